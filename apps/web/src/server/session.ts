import 'server-only';
import { createTensorNodeClient, errorCode } from '@tensornode/client';
import { cookies, headers } from 'next/headers';
import { ROLE_COOKIE, type Role, SESSION_COOKIE } from '../session-names.ts';
import { apiUrl } from './env.ts';

export interface Session {
  role: Role;
}

const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/**
 * The signed-in session, or null when there is none or the API no longer accepts it (expired,
 * signed out, its token revoked). The role only shapes the UI; the API checks every call itself.
 */
export async function readSession(): Promise<Session | null> {
  const jar = await cookies();
  const secret = jar.get(SESSION_COOKIE)?.value;
  if (!secret) return null;
  const remembered = jar.get(ROLE_COOKIE)?.value;
  try {
    const client = createTensorNodeClient({ url: apiUrl(), token: secret, batch: false });
    return { role: (await client.auth.whoami.query()).role };
  } catch (error) {
    if (errorCode(error) === 'UNAUTHORIZED') return null;
    // API unreachable: keep the page; its queries report the outage themselves.
    return { role: ROLES.includes(remembered as Role) ? (remembered as Role) : 'viewer' };
  }
}

/** The session secret the `/trpc` proxy sends as the bearer (never the API token itself). */
export async function readToken(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value;
}

// The API decides when a session ends (idle expiry, sliding, at most SESSION_MAX_HOURS); the
// cookie only has to outlive it.
const COOKIE_MAX_AGE_SECONDS = 7 * 24 * 3600;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `Secure` always, except for a dashboard served over plain http on this machine (where a browser
 * may not keep a Secure cookie). Reads how the browser reached us, proxies included.
 */
export async function cookiesMustBeSecure(): Promise<boolean> {
  const request = await headers();
  const first = (value: string | null) => value?.split(',')[0]?.trim() || undefined;
  const proto = first(request.get('x-forwarded-proto')) ?? 'http';
  const host = first(request.get('x-forwarded-host')) ?? request.get('host') ?? '';
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return true;
  }
  return !(proto === 'http' && LOOPBACK_HOSTS.has(hostname));
}

export async function writeSession(secret: string, role: Role): Promise<void> {
  const jar = await cookies();
  const common = {
    path: '/',
    sameSite: 'strict',
    secure: await cookiesMustBeSecure(),
    maxAge: COOKIE_MAX_AGE_SECONDS,
  } as const;
  jar.set(SESSION_COOKIE, secret, { ...common, httpOnly: true });
  jar.set(ROLE_COOKIE, role, { ...common, httpOnly: false });
}

export async function clearSession(): Promise<void> {
  const jar = await cookies();
  jar.delete(SESSION_COOKIE);
  jar.delete(ROLE_COOKIE);
}
