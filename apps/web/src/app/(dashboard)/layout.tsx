import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { Shell } from '../../components/shell.tsx';
import { readSession } from '../../server/session.ts';
import { TRPCReactProvider } from '../../trpc/react.tsx';

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const session = await readSession();
  if (!session) redirect('/sign-in');
  return (
    <TRPCReactProvider>
      <Shell role={session.role}>{children}</Shell>
    </TRPCReactProvider>
  );
}
