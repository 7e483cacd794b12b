import type { Metadata } from 'next';
import { Schedule } from './schedule.tsx';

export const metadata: Metadata = { title: 'Schedule' };

export default function SchedulePage() {
  return <Schedule />;
}
