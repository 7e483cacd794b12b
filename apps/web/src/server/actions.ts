'use server';

import { createTensorNodeClient, errorCode, TRPCClientError } from '@tensornode/client';
import { redirect } from 'next/navigation';
import { apiUrl } from './env.ts';
import { clearSession, writeSession } from './session.ts';

export interface SignInState {
  error?: string;
}

/** Checks the token against the API (reachable, known, its role) before keeping it in a cookie. */
export async function signIn(_previous: SignInState, form: FormData): Promise<SignInState> {
  const token = String(form.get('token') ?? '').trim();
  if (!token) return { error: 'Paste an API token.' };
  const client = createTensorNodeClient({ url: apiUrl(), token, batch: false });
  try {
    await client.health.check.query();
  } catch {
    return { error: `The TensorNode API at ${apiUrl()} is unreachable.` };
  }
  let role: Awaited<ReturnType<typeof client.auth.whoami.query>>['role'];
  try {
    ({ role } = await client.auth.whoami.query());
  } catch (error) {
    if (errorCode(error) === 'UNAUTHORIZED') return { error: 'This token is unknown or revoked.' };
    return { error: error instanceof TRPCClientError ? error.message : 'Sign-in failed.' };
  }
  await writeSession(token, role);
  redirect('/');
}

export async function signOut(): Promise<void> {
  await clearSession();
  redirect('/sign-in');
}
