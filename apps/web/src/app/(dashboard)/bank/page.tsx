import type { Metadata } from 'next';
import { Bank } from './bank.tsx';

export const metadata: Metadata = { title: 'Question bank' };

export default function BankPage() {
  return <Bank />;
}
