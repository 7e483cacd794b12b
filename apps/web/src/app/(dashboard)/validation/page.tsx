import type { Metadata } from 'next';
import { Validation } from './validation.tsx';

export const metadata: Metadata = { title: 'Validation' };

export default function ValidationPage() {
  return <Validation />;
}
