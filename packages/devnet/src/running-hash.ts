// The one HCS running-hash implementation: the devnet computes with it and core's ledger.verify
// checks with it (subpath `@tensornode/devnet/running-hash`). Keep it free of other imports.
import { createHash } from 'node:crypto';

export const RUNNING_HASH_VERSION = 3;

export interface RunningHashInput {
  previousRunningHash: Uint8Array;
  payerAccountNum: number;
  topicNum: number;
  consensusSeconds: number;
  consensusNanos: number;
  sequenceNumber: number;
  message: Uint8Array;
}

const sha384 = (data: Uint8Array): Buffer => createHash('sha384').update(data).digest();

// Java serialization (ObjectOutputStream) of a byte[]: TC_ARRAY, then the class descriptor of `[B`
// (in full the first time, as back-reference 0x7e0000 afterwards), then the length and the bytes.
const STREAM_HEADER = Buffer.from('aced0005', 'hex');
const BYTE_ARRAY_CLASS_DESC = Buffer.from(
  '72' + '00025b42' + 'acf317f8060854e0' + '02' + '0000' + '78' + '70',
  'hex',
);
const BYTE_ARRAY_CLASS_REF = Buffer.from('71007e0000', 'hex');

function javaByteArray(bytes: Uint8Array, classDesc: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length);
  return Buffer.concat([Buffer.from([0x75]), classDesc, length, bytes]);
}

/**
 * The next topic running hash, HCS running hash version 3: SHA-384 over the Java object stream that
 * Hedera's services write — previous hash, version, payer and topic ids, consensus time, sequence
 * number, and SHA-384 of the message.
 */
export function nextRunningHash(input: RunningHashInput): Buffer {
  const fields = Buffer.alloc(8 * 8 + 4 + 8);
  let offset = 0;
  const writeLong = (value: number) => {
    offset = fields.writeBigInt64BE(BigInt(value), offset);
  };
  writeLong(RUNNING_HASH_VERSION);
  writeLong(0);
  writeLong(0);
  writeLong(input.payerAccountNum);
  writeLong(0);
  writeLong(0);
  writeLong(input.topicNum);
  writeLong(input.consensusSeconds);
  offset = fields.writeInt32BE(input.consensusNanos, offset);
  writeLong(input.sequenceNumber);
  // Primitive writes go into one block-data record (TC_BLOCKDATA, length byte).
  const block = Buffer.concat([Buffer.from([0x77, fields.length]), fields]);
  return sha384(
    Buffer.concat([
      STREAM_HEADER,
      javaByteArray(input.previousRunningHash, BYTE_ARRAY_CLASS_DESC),
      block,
      javaByteArray(sha384(input.message), BYTE_ARRAY_CLASS_REF),
    ]),
  );
}
