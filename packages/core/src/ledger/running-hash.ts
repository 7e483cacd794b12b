import { createHash } from 'node:crypto';

/** Inputs of one HCS running hash (version 3). */
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

// Hedera hashes a Java ObjectOutputStream: stream header, the previous hash as a byte[] object,
// the numeric fields as one block-data record, then SHA-384(message) as a byte[] (class back-reference).
const STREAM_HEADER = Buffer.from('aced0005', 'hex');
const BYTE_ARRAY_CLASS_DESC = Buffer.from('7200025b42acf317f8060854e00200007870', 'hex');
const BYTE_ARRAY_CLASS_REF = Buffer.from('71007e0000', 'hex');

function javaByteArray(bytes: Uint8Array, classDesc: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length);
  return Buffer.concat([Buffer.from([0x75]), classDesc, length, bytes]);
}

/** The topic's running hash after a message (shard and realm 0), as the network computes it. */
export function nextRunningHash(input: RunningHashInput): Buffer {
  const fields = Buffer.alloc(8 * 8 + 4 + 8);
  let offset = 0;
  for (const value of [3, 0, 0, input.payerAccountNum, 0, 0, input.topicNum, input.consensusSeconds]) {
    offset = fields.writeBigInt64BE(BigInt(value), offset);
  }
  offset = fields.writeInt32BE(input.consensusNanos, offset);
  fields.writeBigInt64BE(BigInt(input.sequenceNumber), offset);
  return sha384(
    Buffer.concat([
      STREAM_HEADER,
      javaByteArray(input.previousRunningHash, BYTE_ARRAY_CLASS_DESC),
      Buffer.from([0x77, fields.length]),
      fields,
      javaByteArray(sha384(input.message), BYTE_ARRAY_CLASS_REF),
    ]),
  );
}
