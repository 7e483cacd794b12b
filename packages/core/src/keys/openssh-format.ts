import { createHash, randomBytes } from 'node:crypto';

/**
 * OpenSSH's own key formats for ed25519, written the way ssh-keygen writes them
 * (openssh-key-v1, unencrypted; see PROTOCOL.key in the OpenSSH sources).
 */
const KEY_TYPE = 'ssh-ed25519';
const AUTH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
/** Cipher "none" pads the private section to a multiple of 8. */
const BLOCK_SIZE = 8;

function sshString(value: Buffer | string): Buffer {
  const body = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

function uint32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

/** The wire-format public key blob: string "ssh-ed25519", string key(32). */
export function ed25519PublicBlob(publicKey: Buffer): Buffer {
  return Buffer.concat([sshString(KEY_TYPE), sshString(publicKey)]);
}

export function encodePublicKeyLine(publicKey: Buffer, comment: string): string {
  const line = `${KEY_TYPE} ${ed25519PublicBlob(publicKey).toString('base64')}`;
  return comment ? `${line} ${comment}` : line;
}

/** `SHA256:…` as `ssh-keygen -l` prints it. */
export function fingerprint(publicKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(ed25519PublicBlob(publicKey)).digest('base64').replace(/=+$/, '')}`;
}

export function encodeOpenSshPrivateKey(seed: Buffer, publicKey: Buffer, comment: string): string {
  const checkInt = randomBytes(4).readUInt32BE();
  let privateSection = Buffer.concat([
    uint32(checkInt),
    uint32(checkInt),
    sshString(KEY_TYPE),
    sshString(publicKey),
    sshString(Buffer.concat([seed, publicKey])),
    sshString(comment),
  ]);
  const padding = (BLOCK_SIZE - (privateSection.length % BLOCK_SIZE)) % BLOCK_SIZE;
  privateSection = Buffer.concat([
    privateSection,
    Buffer.from(Array.from({ length: padding }, (_, i) => i + 1)),
  ]);
  const body = Buffer.concat([
    AUTH_MAGIC,
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(ed25519PublicBlob(publicKey)),
    sshString(privateSection),
  ]);
  const base64 = body.toString('base64');
  const lines = base64.match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

/** Sequential reader of SSH wire-format fields; every read returns null past the end. */
class WireReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  skip(bytes: number): this {
    this.offset += bytes;
    return this;
  }
  uint32(): number | null {
    if (this.offset + 4 > this.buf.length) return null;
    const value = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  string(): Buffer | null {
    const length = this.uint32();
    if (length === null || this.offset + length > this.buf.length) return null;
    const value = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}

/** Reads the public key (and, when unencrypted, the comment) out of an openssh-key-v1 ed25519 key. */
export function decodeOpenSshPublicKey(pem: string): { publicKey: Buffer; comment: string } | null {
  const start = pem.indexOf(BEGIN);
  const end = pem.indexOf(END);
  if (start < 0 || end < start) return null;
  const body = Buffer.from(pem.slice(start + BEGIN.length, end).replace(/\s+/g, ''), 'base64');
  if (!body.subarray(0, AUTH_MAGIC.length).equals(AUTH_MAGIC)) return null;
  const reader = new WireReader(body).skip(AUTH_MAGIC.length);
  const cipher = reader.string()?.toString();
  reader.string(); // kdf name
  reader.string(); // kdf options
  if (reader.uint32() !== 1) return null;
  const blob = reader.string();
  if (!blob) return null;
  const blobReader = new WireReader(blob);
  if (blobReader.string()?.toString() !== KEY_TYPE) return null;
  const publicKey = blobReader.string();
  if (publicKey?.length !== 32) return null;
  let comment = '';
  const section = reader.string();
  if (cipher === 'none' && section) {
    const sectionReader = new WireReader(section).skip(8); // two check ints
    sectionReader.string(); // key type
    sectionReader.string(); // public key
    sectionReader.string(); // private key
    comment = sectionReader.string()?.toString('utf8') ?? '';
  }
  return { publicKey: Buffer.from(publicKey), comment };
}
