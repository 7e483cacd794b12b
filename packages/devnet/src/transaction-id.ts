import type { proto } from '@hashgraph/proto';
import { accountNum, formatEntityId, int64, toBigInt, toNumber } from './entity-id.ts';

export interface ParsedTransactionId {
  payerNum: number;
  validStartNs: bigint;
  nonce: number;
  scheduled: boolean;
}

export function parseTransactionId(id: proto.ITransactionID | null | undefined): ParsedTransactionId | null {
  const payerNum = accountNum(id?.accountID);
  const start = id?.transactionValidStart;
  if (payerNum == null || !start) return null;
  return {
    payerNum,
    validStartNs: toBigInt(start.seconds) * 1_000_000_000n + BigInt(start.nanos ?? 0),
    nonce: toNumber(id?.nonce),
    scheduled: id?.scheduled === true,
  };
}

/** The key transactions are deduplicated and receipts looked up by, e.g. `0.0.2@1700000000.000000001`. */
export function transactionIdKey(id: ParsedTransactionId): string {
  const base = `${formatEntityId(id.payerNum)}@${formatTimestamp(id.validStartNs)}`;
  return `${base}${id.scheduled ? '?scheduled' : ''}${id.nonce ? `/${id.nonce}` : ''}`;
}

/** Nanoseconds since the epoch as the mirror node writes them: "seconds.nnnnnnnnn". */
export function formatTimestamp(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const nanos = ns % 1_000_000_000n;
  return `${seconds}.${nanos.toString().padStart(9, '0')}`;
}

export function timestampProto(ns: bigint): proto.ITimestamp {
  return { seconds: int64(ns / 1_000_000_000n), nanos: Number(ns % 1_000_000_000n) };
}
