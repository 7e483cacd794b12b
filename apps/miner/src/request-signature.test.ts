import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestVerifier, parseValidatorPublicKey } from './request-signature.ts';
import { buildMinerServer } from './server.ts';

// Signed exactly as docs/audit.md describes, independently of the validator's code.
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const publicKeyHex = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');

function signedHeaders(body: string, options: { vmId?: string; at?: number; key?: typeof privateKey } = {}) {
  const timestamp = String(options.at ?? Date.now());
  const nonce = randomBytes(16).toString('hex');
  const vmId = options.vmId ?? 'vm-7';
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const message = ['tensornode-miner-request-v1', timestamp, nonce, vmId, bodyHash].join('\n');
  return {
    'content-type': 'application/json',
    'x-tensornode-timestamp': timestamp,
    'x-tensornode-nonce': nonce,
    'x-tensornode-vm-id': encodeURIComponent(vmId),
    'x-tensornode-signature': sign(null, Buffer.from(message), options.key ?? privateKey).toString('base64'),
  };
}

describe('reference miner with VALIDATOR_PUBLIC_KEY', () => {
  let app: FastifyInstance;
  beforeAll(() => {
    app = buildMinerServer({
      modelName: 'test-solver',
      requestVerifier: createRequestVerifier({
        publicKey: parseValidatorPublicKey(publicKeyHex),
        vmId: 'vm-7',
      }),
    });
  });
  afterAll(() => app.close());

  const body = JSON.stringify({ prompt: 'what is 12 times 7' });
  const post = (headers: Record<string, string>, payload = body) =>
    app.inject({ method: 'POST', url: '/api/chat', headers, payload });

  it('answers a request the validator signed', async () => {
    const res = await post(signedHeaders(body));
    expect(res.statusCode).toBe(200);
    expect(res.json().response).toContain('84');
  });

  it('refuses unsigned, stale, replayed, forged, altered and misdirected requests with 401 and no answer', async () => {
    const replayed = signedHeaders(body);
    expect((await post(replayed)).statusCode).toBe(200);
    const { privateKey: otherKey } = generateKeyPairSync('ed25519');
    const cases: [string, Record<string, string>, string?][] = [
      ['unsigned request', { 'content-type': 'application/json' }],
      ['stale request', signedHeaders(body, { at: Date.now() - 61_000 })],
      ['stale request', signedHeaders(body, { at: Date.now() + 61_000 })],
      ['replayed request', replayed],
      ['bad signature', signedHeaders(body, { key: otherKey })],
      ['bad signature', signedHeaders(body), JSON.stringify({ prompt: 'what is 12 times 8' })],
      ['request signed for another VM', signedHeaders(body, { vmId: 'vm-8' })],
    ];
    for (const [reason, headers, payload] of cases) {
      const res = await post(headers, payload);
      expect({ reason, status: res.statusCode, body: res.json() }).toEqual({
        reason,
        status: 401,
        body: { error: `request signature: ${reason}` },
      });
    }
  });

  it('accepts the key as PEM too, and rejects a key that is not ed25519', () => {
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(parseValidatorPublicKey(pem).asymmetricKeyType).toBe('ed25519');
    expect(() => parseValidatorPublicKey('not a key')).toThrow();
  });
});
