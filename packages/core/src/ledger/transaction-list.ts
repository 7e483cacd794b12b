/**
 * Splits the SDK's `TransactionList` bytes (`repeated Transaction transactionList = 1`) into one
 * list per chunk. The SDK writes chunk-major: chunk 1 for every node, then chunk 2, … — so each
 * group of `nodeCount` entries is one chunk's transaction, signed once per node.
 */
export function splitTransactionList(bytes: Uint8Array, nodeCount: number): Uint8Array[] {
  const entries: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const start = offset;
    const tag = bytes[offset++];
    if (tag !== 0x0a) throw new Error(`unexpected field tag ${tag} in TransactionList`);
    let length = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[offset++];
      if (byte === undefined) throw new Error('truncated TransactionList');
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    offset += length;
    if (offset > bytes.length) throw new Error('truncated TransactionList');
    entries.push(bytes.subarray(start, offset));
  }
  if (entries.length % nodeCount !== 0) throw new Error('TransactionList is not a whole number of chunks');
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < entries.length; i += nodeCount) {
    chunks.push(new Uint8Array(Buffer.concat(entries.slice(i, i + nodeCount))));
  }
  return chunks;
}

/** Stored form of a prepared transaction's chunks: u32 count, then (u32 length, bytes) each. */
export function encodeChunks(chunks: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  const count = Buffer.alloc(4);
  count.writeUInt32BE(chunks.length);
  parts.push(count);
  for (const chunk of chunks) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(chunk.length);
    parts.push(length, Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

export function decodeChunks(stored: Uint8Array): Uint8Array[] {
  const buffer = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const count = buffer.readUInt32BE(0);
  const chunks: Uint8Array[] = [];
  let offset = 4;
  for (let i = 0; i < count; i++) {
    const length = buffer.readUInt32BE(offset);
    offset += 4;
    chunks.push(new Uint8Array(buffer.subarray(offset, offset + length)));
    offset += length;
  }
  return chunks;
}
