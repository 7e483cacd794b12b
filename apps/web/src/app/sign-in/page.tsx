import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { readSession } from '../../server/session.ts';
import { SignInForm } from './sign-in-form.tsx';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage() {
  if (await readSession()) redirect('/');
  return (
    <main className="sign-in">
      <div className="card sign-in-card">
        <h1>TensorNode</h1>
        <p className="muted">
          Sign in with an API token. The first start of the API prints an admin token and saves it to{' '}
          <code>data/admin-token</code>; <code>pnpm tensornode tokens create --role operator</code> makes
          others.
        </p>
        <SignInForm />
      </div>
    </main>
  );
}
