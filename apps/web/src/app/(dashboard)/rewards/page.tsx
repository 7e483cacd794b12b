import type { Metadata } from 'next';
import { Rewards } from './rewards.tsx';

export const metadata: Metadata = { title: 'Rewards' };

export default function RewardsPage() {
  return <Rewards />;
}
