/**
 * Checks that a request comes from the validator: an ed25519 signature over the context line, the
 * timestamp, the nonce, the VM id and SHA-256 of the body (docs/audit.md, "Signed requests").
 * Stale requests and replayed nonces are refused, so nobody can pose as the validator to harvest
 * questions, nor replay a request it overheard.
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';

export const SIGNATURE_CONTEXT = 'tensornode-miner-request-v1';
export const MAX_REQUEST_AGE_MS = 60_000;

/** A raw 32-byte ed25519 public key in hex, or a PEM (SPKI) public key. */
export function parseValidatorPublicKey(value: string): KeyObject {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) {
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(text, 'hex').toString('base64url') },
      format: 'jwk',
    });
  }
  const key = createPublicKey(text.replaceAll('\\n', '\n'));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an ed25519 public key');
  return key;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export interface RequestVerifier {
  check(headers: Record<string, string | string[] | undefined>, body: Uint8Array): SignatureCheck;
}

export function createRequestVerifier(options: {
  publicKey: KeyObject;
  /** When set, a request signed for another VM is refused. */
  vmId?: string | undefined;
  now?: () => number;
}): RequestVerifier {
  const now = options.now ?? Date.now;
  // Nonces seen within the acceptance window, oldest first (a Map keeps insertion order).
  const seen = new Map<string, number>();
  const forget = (at: number) => {
    for (const [nonce, expires] of seen) {
      if (expires > at) break;
      seen.delete(nonce);
    }
  };
  const header = (headers: Record<string, string | string[] | undefined>, name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };

  return {
    check(headers, body) {
      const timestamp = header(headers, 'x-tensornode-timestamp');
      const nonce = header(headers, 'x-tensornode-nonce');
      const encodedVmId = header(headers, 'x-tensornode-vm-id');
      const signature = header(headers, 'x-tensornode-signature');
      if (!timestamp || !nonce || encodedVmId === undefined || !signature)
        return { ok: false, reason: 'unsigned request' };
      if (!/^\d{1,16}$/.test(timestamp) || !/^[0-9a-f]{16,128}$/.test(nonce))
        return { ok: false, reason: 'malformed signature headers' };
      const at = now();
      if (Math.abs(at - Number(timestamp)) > MAX_REQUEST_AGE_MS)
        return { ok: false, reason: 'stale request' };
      let vmId: string;
      try {
        vmId = decodeURIComponent(encodedVmId);
      } catch {
        return { ok: false, reason: 'malformed signature headers' };
      }
      if (options.vmId !== undefined && vmId !== options.vmId)
        return { ok: false, reason: 'request signed for another VM' };
      const bodyHash = createHash('sha256').update(body).digest('hex');
      const message = Buffer.from([SIGNATURE_CONTEXT, timestamp, nonce, vmId, bodyHash].join('\n'), 'utf8');
      const signatureBytes = Buffer.from(signature, 'base64');
      if (signatureBytes.length !== 64 || !verify(null, message, options.publicKey, signatureBytes))
        return { ok: false, reason: 'bad signature' };
      // Checked after the signature, so a forger cannot burn the validator's nonces.
      forget(at);
      if (seen.has(nonce)) return { ok: false, reason: 'replayed request' };
      // Remembered past the window on both sides of the clock.
      seen.set(nonce, at + 2 * MAX_REQUEST_AGE_MS);
      return { ok: true };
    },
  };
}
