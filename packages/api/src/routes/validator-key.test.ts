import { statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ startJobs: false });
});
afterAll(async () => server?.stop());

describe('GET /v1/validator-key', () => {
  it('serves the public key miners pin, without a token, and keeps the private key 0600 under DATA_DIR', async () => {
    const res = await request(`${server.url}/v1/validator-key`);
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      algorithm: 'ed25519',
      publicKey: server.services.validatorKey.publicKeyHex,
      signatureContext: 'tensornode-miner-request-v1',
      headers: { signature: 'x-tensornode-signature', timestamp: 'x-tensornode-timestamp' },
    });
    expect(String(body.publicKeyPem)).toContain('BEGIN PUBLIC KEY');
    expect(JSON.stringify(body)).not.toMatch(/PRIVATE/);
    expect(statSync(join(server.dataDir, 'validator-key.pem')).mode & 0o777).toBe(0o600);
  });
});
