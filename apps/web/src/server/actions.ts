'use server';

import { createTensorNodeClient, errorCode, TRPCClientError } from '@tensornode/client';
import { redirect } from 'next/navigation';
import { apiUrl } from './env.ts';
import { clearSession, readToken, writeSession } from './session.ts';

export interface SignInState {
  error?: string;
}

/**
 * Checks the token against the API (reachable, known, its role), then trades it for a session:
 * the cookie holds the session's own secret, which sign-out revokes; the token is not kept.
 */
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
  let secret: string;
  try {
    ({ role } = await client.auth.whoami.query());
    ({ secret } = await client.auth.sessions.create.mutate());
  } catch (error) {
    if (errorCode(error) === 'UNAUTHORIZED') return { error: 'This token is unknown, expired or revoked.' };
    return { error: error instanceof TRPCClientError ? error.message : 'Sign-in failed.' };
  }
  await writeSession(secret, role);
  redirect('/');
}

/** Ends the session at the API (so a copied cookie stops working), then forgets it here. */
export async function signOut(): Promise<void> {
  const secret = await readToken();
  if (secret) {
    const client = createTensorNodeClient({ url: apiUrl(), token: secret, batch: false });
    await client.auth.sessions.revoke.mutate().catch(() => undefined);
  }
  await clearSession();
  redirect('/sign-in');
}
