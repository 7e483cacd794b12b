import type { proto } from '@hashgraph/proto';

/** Shard and realm are always 0 on the devnet; entities are identified by their number. */
export type EntityNum = number;

/** The `Long` type of @hashgraph/proto's int64 fields (the `long` package is not a direct dependency). */
export type Long = NonNullable<proto.ITimestamp['seconds']>;

/** protobufjs writes an int64 from a number, or from a decimal string beyond 2^53; the typings only admit Long. */
export function int64(value: bigint | number): Long {
  const asNumber = Number(value);
  return (Number.isSafeInteger(asNumber) ? asNumber : value.toString()) as unknown as Long;
}

/** protobufjs decodes int64 as Long (from the `long` package) or number. */
type LongLike = { toNumber(): number; toString(): string } | number | null | undefined;

export function toNumber(value: LongLike): number {
  if (value == null) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

export function toBigInt(value: LongLike): bigint {
  if (value == null) return 0n;
  return typeof value === 'number' ? BigInt(value) : BigInt(value.toString());
}

export function formatEntityId(num: EntityNum): string {
  return `0.0.${num}`;
}

/** Parses "0.0.N" (or a bare "N"); returns null for anything else or a non-zero shard/realm. */
export function parseEntityId(text: string): EntityNum | null {
  const match = /^(?:(\d{1,10})\.(\d{1,10})\.)?(\d{1,12})$/.exec(text);
  if (!match) return null;
  if ((match[1] && match[1] !== '0') || (match[2] && match[2] !== '0')) return null;
  const num = Number(match[3]);
  return Number.isSafeInteger(num) ? num : null;
}

export function accountNum(id: proto.IAccountID | null | undefined): EntityNum | null {
  if (!id || toNumber(id.shardNum) !== 0 || toNumber(id.realmNum) !== 0) return null;
  return id.accountNum == null ? null : toNumber(id.accountNum);
}

export function topicNum(id: proto.ITopicID | null | undefined): EntityNum | null {
  if (!id || toNumber(id.shardNum) !== 0 || toNumber(id.realmNum) !== 0) return null;
  return id.topicNum == null ? null : toNumber(id.topicNum);
}

export function tokenNum(id: proto.ITokenID | null | undefined): EntityNum | null {
  if (!id || toNumber(id.shardNum) !== 0 || toNumber(id.realmNum) !== 0) return null;
  return id.tokenNum == null ? null : toNumber(id.tokenNum);
}

export const accountIdProto = (num: EntityNum): proto.IAccountID => ({
  shardNum: int64(0),
  realmNum: int64(0),
  accountNum: int64(num),
});
export const topicIdProto = (num: EntityNum): proto.ITopicID => ({
  shardNum: int64(0),
  realmNum: int64(0),
  topicNum: int64(num),
});
export const tokenIdProto = (num: EntityNum): proto.ITokenID => ({
  shardNum: int64(0),
  realmNum: int64(0),
  tokenNum: int64(num),
});
