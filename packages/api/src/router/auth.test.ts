import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { AppServices } from '../services.ts';
import { callerAs, createTestServices } from '../testing.ts';

let services: AppServices;
afterEach(async () => services?.close());

describe('auth.tokens', () => {
  it('creates a token that authenticates with its role, lists it without the secret, and revokes it', async () => {
    ({ services } = await createTestServices());
    const admin = callerAs(services, 'admin');
    const created = await admin.auth.tokens.create({ name: 'ci bot', role: 'operator' });
    expect(created.token).toMatch(/^tn_[\w-]{40,}$/);
    expect(created.record).toMatchObject({ name: 'ci bot', role: 'operator', revokedAt: null });

    const listed = await admin.auth.tokens.list();
    const entry = listed.find((t) => t.id === created.record.id)!;
    expect(entry.prefix).toBe(created.token.slice(0, 9));
    expect(JSON.stringify(listed)).not.toContain(created.token);

    const { resolveCaller } = await import('../trpc.ts');
    expect(resolveCaller(services, created.token).caller?.role).toBe('operator');

    await admin.auth.tokens.revoke({ id: created.record.id });
    expect(resolveCaller(services, created.token)).toEqual({ caller: null, badToken: true });
    await expect(admin.auth.tokens.revoke({ id: created.record.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses to revoke the last active admin token', async () => {
    ({ services } = await createTestServices());
    const admin = callerAs(services, 'admin');
    const [bootstrap] = (await admin.auth.tokens.list()).filter((t) => t.role === 'admin');
    const error = await admin.auth.tokens.revoke({ id: bootstrap!.id }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('last active admin') });
  });

  it('names the wrong fields on bad input', async () => {
    ({ services } = await createTestServices());
    const error = await callerAs(services, 'admin')
      // @ts-expect-error: deliberately wrong input
      .auth.tokens.create({ name: '', role: 'root' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    const { getHTTPStatusCodeFromError } = await import('@trpc/server/http');
    expect(getHTTPStatusCodeFromError(error as TRPCError)).toBe(400);
  });
});

describe('first start', () => {
  it('creates an admin token once, in DATA_DIR/admin-token with mode 0600', async () => {
    // Its own directory: the data must outlive the first services' close.
    const dataDir = mkdtempSync(join(tmpdir(), 'tensornode-test-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    ({ services } = await createTestServices({ database: 'file', dataDir }));
    expect(services.adminBootstrap.kind).toBe('created');
    const file = join(dataDir, 'admin-token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await services.close();

    ({ services } = await createTestServices({ database: 'file', dataDir }));
    expect(services.adminBootstrap.kind).toBe('existing');
  });

  it('registers TENSORNODE_ADMIN_TOKEN as the admin token instead', async () => {
    const secret = 'a-configured-admin-token-0123456789';
    ({ services } = await createTestServices({ env: { TENSORNODE_ADMIN_TOKEN: secret } }));
    expect(services.adminBootstrap.kind).toBe('configured');
    const { resolveCaller } = await import('../trpc.ts');
    expect(resolveCaller(services, secret).caller?.role).toBe('admin');
  });
});
