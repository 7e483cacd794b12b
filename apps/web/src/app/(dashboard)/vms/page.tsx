import type { Metadata } from 'next';
import { Vms } from './vms.tsx';

export const metadata: Metadata = { title: 'VMs' };

export default function VmsPage() {
  return <Vms />;
}
