import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiToken, revokeApiToken } from '@tensornode/core';
import { TRPCError } from '@trpc/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCaller } from '../root.ts';
import type { AppServices } from '../services.ts';
import { createTestServices } from '../testing.ts';
import { createInternalContext, resolveCaller } from '../trpc.ts';

let services: AppServices | undefined;
const dirs: string[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await services?.close();
  services = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const MINUTE = 60_000;

/** A caller authenticated by a bearer secret, exactly as an HTTP request would be. */
function callerFor(secret: string) {
  const { caller } = resolveCaller(services!, secret);
  if (!caller) throw new Error('secret does not authenticate');
  return createCaller(createInternalContext(services!, caller));
}

function authenticates(secret: string): boolean {
  return resolveCaller(services!, secret).caller !== null;
}

async function start(env: Record<string, string> = {}) {
  const created = await createTestServices({ env });
  services = created.services;
  dirs.push(created.dataDir);
  return services;
}

describe('API token expiry', () => {
  it('a token created with expiresInDays works until then and gets 401 after', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await start();
    const admin = createCaller(createInternalContext(services!, { tokenId: 'a', name: 'a', role: 'admin' }));
    const created = await admin.auth.tokens.create({ name: 'ci', role: 'operator', expiresInDays: 2 });
    expect(created.record.expiresAt?.getTime()).toBe(Date.now() + 2 * 24 * 60 * MINUTE);
    expect(authenticates(created.token)).toBe(true);

    vi.setSystemTime(Date.now() + 2 * 24 * 60 * MINUTE + 1000);
    expect(resolveCaller(services!, created.token)).toEqual({ caller: null, badToken: true });
    await expect(createCaller(createInternalContext(services!, null)).auth.whoami()).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });

    const never = await admin.auth.tokens.create({ name: 'forever', role: 'viewer' });
    expect(never.record.expiresAt).toBeNull();
    await expect(
      admin.auth.tokens.create({ name: 'x', role: 'viewer', expiresInDays: 0 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('expiresInDays') });
  });
});

describe('dashboard sessions', () => {
  it('issues a session secret that is not the token, carries the token role, and cannot beget sessions', async () => {
    await start();
    const { token } = createApiToken(services!, { name: 'ops', role: 'operator' });
    const session = await callerFor(token).auth.sessions.create();
    expect(session.secret).toMatch(/^tns_[\w-]{40,}$/);
    expect(session.secret).not.toContain(token);
    expect(await callerFor(session.secret).auth.whoami()).toMatchObject({ name: 'ops', role: 'operator' });
    // Only the hash is stored.
    const stored = services!.database.sqlite.prepare('select * from api_sessions').all();
    expect(JSON.stringify(stored)).not.toContain(session.secret);

    const error = await callerFor(session.secret)
      .auth.sessions.create()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('lapses after the idle time, slides forward with use, and never outlives its maximum', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await start({ SESSION_IDLE_MINUTES: '10', SESSION_MAX_HOURS: '1' });
    const { token } = createApiToken(services!, { name: 'ops', role: 'viewer' });

    // Used every 8 minutes, it outlives its 10 idle minutes...
    const kept = await callerFor(token).auth.sessions.create();
    for (let i = 0; i < 6; i++) {
      vi.setSystemTime(Date.now() + 8 * MINUTE);
      expect({ minute: (i + 1) * 8, ok: authenticates(kept.secret) }).toEqual({
        minute: (i + 1) * 8,
        ok: true,
      });
    }
    // ...but not its hour: at 48 + 8 = 56 minutes it still works, at 64 it is over.
    vi.setSystemTime(Date.now() + 8 * MINUTE);
    expect(authenticates(kept.secret)).toBe(true);
    vi.setSystemTime(Date.now() + 8 * MINUTE);
    expect(authenticates(kept.secret)).toBe(false);

    // Left alone for 11 minutes, a fresh one lapses.
    const idle = await callerFor(token).auth.sessions.create();
    vi.setSystemTime(Date.now() + 11 * MINUTE);
    expect(authenticates(idle.secret)).toBe(false);
    expect(authenticates(token)).toBe(true);
  });

  it('sign-out revokes the session at once; the token keeps working', async () => {
    await start();
    const { token } = createApiToken(services!, { name: 'ops', role: 'viewer' });
    const session = await callerFor(token).auth.sessions.create();
    expect(await callerFor(session.secret).auth.sessions.revoke()).toEqual({ revoked: true });
    expect(resolveCaller(services!, session.secret)).toEqual({ caller: null, badToken: true });
    expect(authenticates(token)).toBe(true);
    // A token caller has no session to end.
    expect(await callerFor(token).auth.sessions.revoke()).toEqual({ revoked: false });
  });

  it('revoking the parent token ends its sessions', async () => {
    await start();
    const created = createApiToken(services!, { name: 'ops', role: 'operator' });
    const first = await callerFor(created.token).auth.sessions.create();
    const second = await callerFor(created.token).auth.sessions.create();
    revokeApiToken(services!, { id: created.record.id });
    expect(authenticates(first.secret)).toBe(false);
    expect(authenticates(second.secret)).toBe(false);
  });
});

describe('TENSORNODE_ADMIN_TOKEN changes', () => {
  it('revokes the previous configured token when the value changes', async () => {
    const oldSecret = 'old-configured-admin-token-0123456789';
    const newSecret = 'new-configured-admin-token-0123456789';
    // The test owns the directory: services.close() removes only a directory createTestServices made.
    const dataDir = mkdtempSync(join(tmpdir(), 'tensornode-sessions-'));
    dirs.push(dataDir);
    const first = await createTestServices({
      database: 'file',
      dataDir,
      env: { TENSORNODE_ADMIN_TOKEN: oldSecret },
    });
    services = first.services;
    expect(authenticates(oldSecret)).toBe(true);
    await services.close();

    services = (
      await createTestServices({ database: 'file', dataDir, env: { TENSORNODE_ADMIN_TOKEN: newSecret } })
    ).services;
    expect(services.adminBootstrap).toEqual({ kind: 'configured', revokedPrevious: 1, revoked: false });
    expect(authenticates(newSecret)).toBe(true);
    expect(authenticates(oldSecret)).toBe(false);
  });

  it('a revoked configured token stays revoked and the next start does not crash', async () => {
    const secret = 'configured-admin-token-to-revoke-0123';
    const dataDir = mkdtempSync(join(tmpdir(), 'tensornode-sessions-'));
    dirs.push(dataDir);
    const created = await createTestServices({
      database: 'file',
      dataDir,
      env: { TENSORNODE_ADMIN_TOKEN: secret },
    });
    services = created.services;
    // Another admin first: the last admin token cannot be revoked.
    createApiToken(services, { name: 'second admin', role: 'admin' });
    const { caller } = resolveCaller(services, secret);
    revokeApiToken(services, { id: caller!.tokenId });
    await services.close();

    services = (
      await createTestServices({
        database: 'file',
        dataDir: created.dataDir,
        env: { TENSORNODE_ADMIN_TOKEN: secret },
      })
    ).services;
    expect(services.adminBootstrap).toEqual({ kind: 'configured', revokedPrevious: 0, revoked: true });
    expect(authenticates(secret)).toBe(false);
  });
});
