'use client';

import { useActionState } from 'react';
import { type SignInState, signIn } from '../../server/actions.ts';

export function SignInForm() {
  const [state, action, pending] = useActionState<SignInState, FormData>(signIn, {});
  return (
    <form action={action} className="form">
      <label>
        API token
        <input name="token" type="password" autoComplete="off" required placeholder="tn_…" />
      </label>
      {state.error ? (
        <p role="alert" className="error">
          {state.error}
        </p>
      ) : null}
      <button type="submit" disabled={pending}>
        {pending ? 'Checking…' : 'Sign in'}
      </button>
    </form>
  );
}
