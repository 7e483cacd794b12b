import type { Metadata } from 'next';
import { Deployments } from './deployments.tsx';

export const metadata: Metadata = { title: 'Deployments' };

export default function DeploymentsPage() {
  return <Deployments />;
}
