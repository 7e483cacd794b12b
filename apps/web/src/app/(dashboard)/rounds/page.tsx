import type { Metadata } from 'next';
import { Rounds } from './rounds.tsx';

export const metadata: Metadata = { title: 'Rounds' };

export default function RoundsPage() {
  return <Rounds />;
}
