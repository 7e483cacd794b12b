import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The validator's ed25519 key: it signs every request to a miner (docs/audit.md, "Signed requests"). */
export interface ValidatorKey {
  privateKey: KeyObject;
  /** The raw 32-byte public key, hex: what a miner sets as VALIDATOR_PUBLIC_KEY. */
  publicKeyHex: string;
  publicKeyPem: string;
}

export const VALIDATOR_KEY_FILE = 'validator-key.pem';

/** Headers of a signed miner request. */
export const SIGNATURE_HEADERS = {
  timestamp: 'x-tensornode-timestamp',
  nonce: 'x-tensornode-nonce',
  vmId: 'x-tensornode-vm-id',
  signature: 'x-tensornode-signature',
} as const;

/** The first line of every signed request's message: it ties a signature to this one purpose. */
export const SIGNATURE_CONTEXT = 'tensornode-miner-request-v1';

function describe(privateKey: KeyObject): ValidatorKey {
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    privateKey,
    publicKeyHex: Buffer.from(jwk.x ?? '', 'base64url').toString('hex'),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/**
 * The key at DATA_DIR/validator-key.pem (PKCS#8, mode 0600), created on first use. Miners pin its
 * public key, so it is kept across restarts rather than made per process.
 */
export function loadOrCreateValidatorKey(dataDir: string): ValidatorKey {
  const path = join(dataDir, VALIDATOR_KEY_FILE);
  try {
    return describe(createPrivateKey(readFileSync(path)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
  try {
    writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return describe(createPrivateKey(readFileSync(path)));
  }
  return describe(privateKey);
}

/** The bytes a request's signature covers: context, timestamp, nonce, vmId and SHA-256 of the body. */
export function signedRequestMessage(input: {
  timestamp: string;
  nonce: string;
  vmId: string;
  body: string | Uint8Array;
}): Buffer {
  const bodyHash = createHash('sha256').update(input.body).digest('hex');
  return Buffer.from(
    [SIGNATURE_CONTEXT, input.timestamp, input.nonce, input.vmId, bodyHash].join('\n'),
    'utf8',
  );
}

/** The headers that sign one request to one miner (a fresh nonce each time). */
export function signMinerRequest(
  privateKey: KeyObject,
  input: { vmId: string; body: string | Uint8Array; now?: number },
): Record<string, string> {
  const timestamp = String(input.now ?? Date.now());
  const nonce = randomBytes(16).toString('hex');
  const signature = sign(
    null,
    signedRequestMessage({ timestamp, nonce, vmId: input.vmId, body: input.body }),
    privateKey,
  );
  return {
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    // Percent-encoded so any VM id fits a header; the signature covers the id itself.
    [SIGNATURE_HEADERS.vmId]: encodeURIComponent(input.vmId),
    [SIGNATURE_HEADERS.signature]: signature.toString('base64'),
  };
}
