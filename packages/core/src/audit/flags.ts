import {
  createDeploymentRepository,
  createRoundCopyGroupRepository,
  createSettingsRepository,
  type Executor,
} from '@tensornode/db';
import { z } from 'zod';
import { InvalidInputError } from '../errors.ts';
import { type CopyGroup, copySuspicions, findSybilGroups, type SybilGroup } from './copy-groups.ts';

/** Rounds in copy groups before a miner carries a suspicion on the leaderboard. */
export const SUSPICION_MIN_ROUNDS = 2;

const AUDIT_POLICY_SETTING = 'audit.policy';

/**
 * What copy and Sybil flags do. `flag`: shown only. `zero-copies`: every copy but the earliest
 * answer of its group scores 0. `oneSharePerSybilGroup`: a Sybil group's miners share one reward share.
 */
export const auditPolicySchema = z.strictObject({
  copies: z.enum(['flag', 'zero-copies']),
  oneSharePerSybilGroup: z.boolean(),
});
export type AuditPolicy = z.infer<typeof auditPolicySchema>;
export const DEFAULT_AUDIT_POLICY: AuditPolicy = { copies: 'flag', oneSharePerSybilGroup: false };
export const setAuditPolicyInput = auditPolicySchema.partial();

export function getAuditPolicy(ctx: { db: Executor }): AuditPolicy {
  const stored = createSettingsRepository(ctx.db).get(AUDIT_POLICY_SETTING);
  if (!stored) return DEFAULT_AUDIT_POLICY;
  try {
    const parsed = auditPolicySchema.safeParse({ ...DEFAULT_AUDIT_POLICY, ...JSON.parse(stored) });
    if (parsed.success) return parsed.data;
  } catch {
    // An unreadable value falls back to flag-only: the policy never zeroes scores by accident.
  }
  return DEFAULT_AUDIT_POLICY;
}

/** Changes the parts of the policy given; the rest stays as it was. */
export function setAuditPolicy(ctx: { db: Executor }, input: Partial<AuditPolicy>): AuditPolicy {
  const parsed = setAuditPolicyInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidInputError(issue.path.join('.') || 'policy', issue.message);
  }
  const next = { ...getAuditPolicy(ctx), ...parsed.data };
  createSettingsRepository(ctx.db).set(AUDIT_POLICY_SETTING, JSON.stringify(next));
  return next;
}

/** One copy group as stored with its round: each member with its miner and when it answered. */
export interface StoredCopyGroup extends CopyGroup {
  members: { vmId: string; minerKey: string; answeredAt: Date }[];
}

/** The rows a round's copy groups become, stored in the round's transaction. */
export function storeCopyGroups(tx: Executor, roundId: string, groups: readonly StoredCopyGroup[]): void {
  createRoundCopyGroupRepository(tx).insert(
    groups.flatMap((g, groupIndex) =>
      g.members.map((m) => ({
        roundId,
        vmId: m.vmId,
        groupIndex,
        minerKey: m.minerKey,
        answeredAt: m.answeredAt,
        earliest: m.vmId === g.earliest,
        similarity: g.similarity,
      })),
    ),
  );
}

export interface MinerSuspicion {
  /** `relay`: the miner answered after another miner with the same text in every evidence round. */
  reason: 'copy' | 'relay';
  /** Rounds in which the miner was in a copy group, oldest first. */
  rounds: string[];
}

/** Suspicions of these miners (by leaderboard key), from the copy groups stored with the rounds. */
export function minerSuspicions(
  ctx: { db: Executor },
  minerKeys: readonly string[],
): Map<string, MinerSuspicion> {
  const rows = createRoundCopyGroupRepository(ctx.db).forMiners(minerKeys);
  const byRound = new Map<string, typeof rows>();
  for (const row of rows) byRound.set(row.roundId, [...(byRound.get(row.roundId) ?? []), row]);
  const rounds = [...byRound].map(([roundId, members]) => ({
    roundId,
    groups: [{ vmIds: members.map((m) => m.vmId), earliest: '', similarity: 1 }],
    minerOf: (vmId: string) => members.find((m) => m.vmId === vmId)!.minerKey,
  }));
  const result = new Map<string, MinerSuspicion>();
  for (const s of copySuspicions(rounds, SUSPICION_MIN_ROUNDS)) {
    const mine = rows.filter((r) => r.minerKey === s.minerKey);
    result.set(s.minerKey, { reason: mine.every((r) => !r.earliest) ? 'relay' : 'copy', rounds: s.rounds });
  }
  return result;
}

export interface MinerSybilGroup {
  /** What the miners share, e.g. `wallet:0.0.1234`: the group's id. */
  id: string;
  members: string[];
}

/**
 * Sybil groups of the miners with live deployments: distinct miner accounts sharing a wallet, or a
 * public address (as the provider last listed it). Loopback is no one's address: every local VM has it.
 */
export function sybilGroups(ctx: { db: Executor }): SybilGroup[] {
  const live = createDeploymentRepository(ctx.db)
    .list()
    .filter((d) => d.status !== 'terminated')
    .map((d) => ({ ...d, publicIp: d.publicIp && !isLoopback(d.publicIp) ? d.publicIp : null }));
  return findSybilGroups(live);
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address === 'localhost';
}

/** Each grouped miner's Sybil group; a miner in two groups is shown in the first (by id). */
export function sybilGroupByMiner(groups: readonly SybilGroup[]): Map<string, MinerSybilGroup> {
  const byMiner = new Map<string, MinerSybilGroup>();
  for (const g of groups) {
    for (const miner of g.minerAddresses) {
      if (!byMiner.has(miner)) byMiner.set(miner, { id: g.shared, members: g.minerAddresses });
    }
  }
  return byMiner;
}
