import 'server-only';
import { cookies } from 'next/headers';
import { ROLE_COOKIE, type Role, TOKEN_COOKIE } from '../session-names.ts';
import { secureCookies } from './env.ts';

export interface Session {
  role: Role;
}

const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** The signed-in session, or null. The role only shapes the UI; the API checks every call itself. */
export async function readSession(): Promise<Session | null> {
  const jar = await cookies();
  if (!jar.get(TOKEN_COOKIE)?.value) return null;
  const role = jar.get(ROLE_COOKIE)?.value;
  return { role: ROLES.includes(role as Role) ? (role as Role) : 'viewer' };
}

export async function readToken(): Promise<string | undefined> {
  return (await cookies()).get(TOKEN_COOKIE)?.value;
}

const WEEK_SECONDS = 7 * 24 * 3600;

export async function writeSession(token: string, role: Role): Promise<void> {
  const jar = await cookies();
  const common = { path: '/', sameSite: 'strict', secure: secureCookies(), maxAge: WEEK_SECONDS } as const;
  jar.set(TOKEN_COOKIE, token, { ...common, httpOnly: true });
  jar.set(ROLE_COOKIE, role, { ...common, httpOnly: false });
}

export async function clearSession(): Promise<void> {
  const jar = await cookies();
  jar.delete(TOKEN_COOKIE);
  jar.delete(ROLE_COOKIE);
}
