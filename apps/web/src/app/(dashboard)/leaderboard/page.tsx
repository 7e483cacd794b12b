import type { Metadata } from 'next';
import { Leaderboard } from './leaderboard.tsx';

export const metadata: Metadata = { title: 'Leaderboard' };

export default function LeaderboardPage() {
  return <Leaderboard />;
}
