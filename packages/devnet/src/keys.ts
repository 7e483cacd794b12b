import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { proto } from '@hashgraph/proto';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface Ed25519KeyPair {
  /** PKCS#8 DER, hex: what `PrivateKey.fromStringDer` reads. */
  privateKeyDer: string;
  /** Raw 32-byte public key. */
  publicKey: Buffer;
}

export function generateEd25519(): Ed25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyDer: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('hex'),
    publicKey: rawEd25519PublicKey(publicKey),
  };
}

export function publicKeyOfPrivateDer(privateKeyDer: string): Buffer {
  const key = createPrivateKey({ key: Buffer.from(privateKeyDer, 'hex'), format: 'der', type: 'pkcs8' });
  return rawEd25519PublicKey(createPublicKey(key));
}

function rawEd25519PublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length);
}

/** Accepts an ed25519 public key as DER (SPKI) hex or raw 32-byte hex; returns the encoded Key proto. */
export function keyFromPublicKeyHex(hex: string): Uint8Array {
  const bytes = Buffer.from(hex.replace(/^0x/, ''), 'hex');
  const raw = bytes.length === 32 ? bytes : bytes.subarray(ED25519_SPKI_PREFIX.length);
  if (raw.length !== 32 || (bytes.length !== 32 && !bytes.subarray(0, 12).equals(ED25519_SPKI_PREFIX))) {
    throw new Error('key must be an ed25519 public key (raw or DER hex)');
  }
  return encodeEd25519Key(raw);
}

export function encodeEd25519Key(publicKey: Uint8Array): Uint8Array {
  return proto.Key.encode({ ed25519: publicKey }).finish();
}

export function encodeKey(key: proto.IKey): Uint8Array {
  return proto.Key.encode(key).finish();
}

/** True if the key holds at least one primitive key (an empty key list signs for nothing). */
export function isUsableKey(key: proto.IKey | null | undefined): key is proto.IKey {
  if (!key) return false;
  if (key.ed25519?.length || key.ECDSASecp256k1?.length) return true;
  if (key.keyList) return (key.keyList.keys ?? []).some(isUsableKey);
  if (key.thresholdKey) return isUsableKey({ keyList: key.thresholdKey.keys ?? null });
  return false;
}

/**
 * Verifies signatures of a transaction body once, so several keys (payer, supply, admin…) can be
 * checked against the same signature map.
 */
export class SignatureCheck {
  private readonly verified = new Map<string, boolean>();

  constructor(
    private readonly bodyBytes: Uint8Array,
    private readonly sigPairs: proto.ISignaturePair[],
  ) {}

  isSatisfied(key: proto.IKey | Uint8Array): boolean {
    const decoded = key instanceof Uint8Array ? proto.Key.decode(key) : key;
    return this.satisfies(decoded);
  }

  private satisfies(key: proto.IKey): boolean {
    if (key.ed25519?.length) return this.ed25519Signed(Buffer.from(key.ed25519));
    if (key.keyList) {
      const keys = key.keyList.keys ?? [];
      return keys.length > 0 && keys.every((k) => this.satisfies(k));
    }
    if (key.thresholdKey) {
      const keys = key.thresholdKey.keys?.keys ?? [];
      const threshold = key.thresholdKey.threshold ?? 0;
      return threshold > 0 && keys.filter((k) => this.satisfies(k)).length >= threshold;
    }
    // ECDSA secp256k1 signs keccak-256 of the body, which Node's OpenSSL 3.0 does not offer.
    return false;
  }

  private ed25519Signed(publicKey: Buffer): boolean {
    const cacheKey = publicKey.toString('hex');
    const cached = this.verified.get(cacheKey);
    if (cached !== undefined) return cached;
    const keyObject = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    });
    const ok = this.sigPairs.some(
      (pair) =>
        pair.ed25519?.length &&
        publicKey.subarray(0, pair.pubKeyPrefix?.length ?? 0).equals(Buffer.from(pair.pubKeyPrefix ?? [])) &&
        verify(null, this.bodyBytes, keyObject, pair.ed25519),
    );
    this.verified.set(cacheKey, ok);
    return ok;
  }
}
