import type { Metadata } from 'next';
import { Ledger } from './ledger.tsx';

export const metadata: Metadata = { title: 'Ledger' };

export default function LedgerPage() {
  return <Ledger />;
}
