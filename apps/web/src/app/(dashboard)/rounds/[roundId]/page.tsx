import type { Metadata } from 'next';
import { RoundDetail } from './round-detail.tsx';

export const metadata: Metadata = { title: 'Round' };

export default async function RoundPage({ params }: { params: Promise<{ roundId: string }> }) {
  const { roundId } = await params;
  return <RoundDetail roundId={roundId} />;
}
