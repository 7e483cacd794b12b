import { type AuditEntry, createAuditRepository } from '@tensornode/db';
import type { CoreContext } from '../context.ts';

export interface PrivilegedAction {
  tokenId: string;
  tokenName: string;
  /** A procedure path (`vms.delete`) or a REST route (`POST /v1/vms/:vmId/files`). */
  action: string;
  target: string | null;
  /** `ok`, or the error code the caller got. */
  outcome: string;
}

/**
 * Writes one audit record. An audit write that fails is logged, never thrown: the action already
 * happened and its caller must learn its real outcome.
 */
export function recordPrivilegedAction(
  ctx: Pick<CoreContext, 'db' | 'log' | 'now'>,
  action: PrivilegedAction,
): AuditEntry | undefined {
  try {
    return createAuditRepository(ctx.db).insert({ ...action, at: ctx.now?.() ?? new Date() });
  } catch (error) {
    ctx.log.error({ err: error, action: action.action }, 'audit record not written');
    return undefined;
  }
}

const TARGET_KEYS = [
  'vmId',
  'vmIds',
  'id',
  'epoch',
  'roundId',
  'minerAddress',
  'instanceName',
  'instances',
  'name',
  'role',
  'dockerfileUrl',
  'remotePath',
] as const;
const MAX_TARGET_LENGTH = 300;

/**
 * What an action was aimed at, from its input: identifiers only (never commands, files or
 * secrets), e.g. `vmIds=a,b` or `name=ci role=operator`.
 */
export function describeTarget(input: unknown): string | null {
  if (!input || typeof input !== 'object') return null;
  const record = input as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of TARGET_KEYS) {
    const value = record[key];
    if (typeof value === 'string' || typeof value === 'number') parts.push(`${key}=${value}`);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
      parts.push(`${key}=${value.join(',')}`);
  }
  // vms.update carries its VM ids inside `updates`.
  if (Array.isArray(record.updates)) {
    const ids = record.updates
      .map((u) => (u && typeof u === 'object' ? (u as Record<string, unknown>).vmId : undefined))
      .filter((v): v is string => typeof v === 'string');
    if (ids.length) parts.push(`vmIds=${ids.join(',')}`);
  }
  if (!parts.length) return null;
  const text = parts.join(' ');
  return text.length > MAX_TARGET_LENGTH ? `${text.slice(0, MAX_TARGET_LENGTH - 1)}…` : text;
}
