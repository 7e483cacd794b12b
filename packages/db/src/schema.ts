import { sql } from 'drizzle-orm';
import {
  blob,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' }).notNull().default(sql`(unixepoch('subsec') * 1000)`);

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Bearer tokens. Only the SHA-256 of the secret is stored; `prefix` lets an operator tell tokens apart. */
export const apiTokens = sqliteTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role', { enum: ROLES }).notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  prefix: text('prefix').notNull(),
  createdAt: createdAt(),
  lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  /** After this the token is refused (issue 10 §9); null: it never expires. */
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
});

export const DEPLOYMENT_STATUSES = ['inactive', 'active', 'terminated'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** A VM's assignment to a miner (the seed's vm_deployments.json). */
export const deployments = sqliteTable(
  'deployments',
  {
    vmId: text('vm_id').primaryKey(),
    provider: text('provider').notNull(),
    status: text('status', { enum: DEPLOYMENT_STATUSES }).notNull().default('inactive'),
    minerAddress: text('miner_address'),
    instanceName: text('instance_name'),
    walletAddress: text('wallet_address'),
    createdAt: createdAt(),
    assignedAt: integer('assigned_at', { mode: 'timestamp_ms' }),
    terminatedAt: integer('terminated_at', { mode: 'timestamp_ms' }),
    healthCheckedAt: integer('health_checked_at', { mode: 'timestamp_ms' }),
    healthy: integer('healthy', { mode: 'boolean' }),
    healthError: text('health_error'),
    /** First clean-up run that did not find the VM in the provider's listing; cleared when it is listed again. */
    missingSince: integer('missing_since', { mode: 'timestamp_ms' }),
    /** SHA-256 fingerprint of the VM's SSH host key, pinned on first connect (trust on first use). */
    sshHostKey: text('ssh_host_key'),
    /** The public address the provider last listed for the VM; miners sharing one form a Sybil group. */
    publicIp: text('public_ip'),
  },
  (t) => [
    index('deployments_status_idx').on(t.status, t.createdAt),
    index('deployments_miner_idx').on(t.minerAddress),
  ],
);

export const LOCAL_VM_STATUSES = ['New', 'Launching', 'Active', 'Stopped', 'Terminated'] as const;

/** VMs of the `local` provider: reference-miner processes on 127.0.0.1. */
export const localVms = sqliteTable('local_vms', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  port: integer('port').notNull().unique(),
  pid: integer('pid'),
  status: text('status', { enum: LOCAL_VM_STATUSES }).notNull().default('New'),
  openPorts: text('open_ports', { mode: 'json' }).$type<{ port: number; protocol: string }[]>().notNull(),
  createdAt: createdAt(),
  deletedAt: integer('deleted_at', { mode: 'timestamp_ms' }),
});

export const SCORING_METHODS = ['heuristic', 'llm', 'auto'] as const;
export const LEDGER_STATUSES = ['pending', 'submitted', 'confirmed', 'failed', 'disabled'] as const;

export const ROUND_TRIGGERS = ['manual', 'schedule'] as const;
export type RoundTrigger = (typeof ROUND_TRIGGERS)[number];

export const validationRounds = sqliteTable(
  'validation_rounds',
  {
    id: text('id').primaryKey(),
    prompt: text('prompt').notNull(),
    truth: text('truth').notNull(),
    method: text('method').notNull(),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
    completedAt: integer('completed_at', { mode: 'timestamp_ms' }).notNull(),
    minerCount: integer('miner_count').notNull(),
    answeredCount: integer('answered_count').notNull(),
    meanScore: real('mean_score').notNull(),
    /** SHA-256 of the canonical summary submitted to the ledger. */
    payloadHash: text('payload_hash').notNull(),
    ledgerStatus: text('ledger_status', { enum: LEDGER_STATUSES }).notNull().default('pending'),
    ledgerTopicId: text('ledger_topic_id'),
    ledgerSequence: integer('ledger_sequence'),
    ledgerRunningHash: text('ledger_running_hash'),
    ledgerTransactionId: text('ledger_transaction_id'),
    ledgerConsensusAt: text('ledger_consensus_at'),
    /** Who started the round: a person through the API (`manual`) or the schedule. */
    trigger: text('trigger', { enum: ROUND_TRIGGERS }).notNull().default('manual'),
    /** The bank question asked, when the round was asked from the bank. */
    questionId: integer('question_id'),
  },
  (t) => [
    index('rounds_started_idx').on(t.startedAt),
    index('rounds_trigger_idx').on(t.trigger, t.startedAt),
  ],
);

export const minerAnswers = sqliteTable(
  'miner_answers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roundId: text('round_id')
      .notNull()
      .references(() => validationRounds.id, { onDelete: 'cascade' }),
    vmId: text('vm_id').notNull(),
    minerAddress: text('miner_address'),
    endpoint: text('endpoint').notNull(),
    ok: integer('ok', { mode: 'boolean' }).notNull(),
    response: text('response'),
    latencyMs: integer('latency_ms').notNull(),
    score: integer('score').notNull(),
    method: text('method').notNull(),
    /** Why the answer failed or how it was scored (e.g. `timeout`, `http_500`, `llm_fallback`). */
    reason: text('reason'),
  },
  (t) => [index('answers_round_idx').on(t.roundId), index('answers_miner_idx').on(t.minerAddress)],
);

/** Running score per miner; key is the miner's Hedera account, or `vm:<id>` for an unassigned VM. */
export const minerScores = sqliteTable('miner_scores', {
  minerAddress: text('miner_address').primaryKey(),
  emaScore: real('ema_score').notNull(),
  rounds: integer('rounds').notNull().default(0),
  answered: integer('answered').notNull().default(0),
  lastScore: integer('last_score').notNull(),
  lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }).notNull(),
});

export const minerScoreHistory = sqliteTable(
  'miner_score_history',
  {
    minerAddress: text('miner_address').notNull(),
    roundId: text('round_id')
      .notNull()
      .references(() => validationRounds.id, { onDelete: 'cascade' }),
    score: integer('score').notNull(),
    emaScore: real('ema_score').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.minerAddress, t.roundId] }),
    index('history_at_idx').on(t.minerAddress, t.at),
  ],
);

export const OUTBOX_STATUSES = ['pending', 'sent', 'confirmed', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/**
 * Durable ledger outbox. The transaction id is fixed and the signed bytes stored before the first
 * send, so every retry resubmits the same transaction.
 */
export const ledgerOutbox = sqliteTable(
  'ledger_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    roundId: text('round_id').references(() => validationRounds.id),
    topicId: text('topic_id'),
    payload: text('payload').notNull(),
    transactionId: text('transaction_id'),
    signedBytes: blob('signed_bytes', { mode: 'buffer' }),
    status: text('status', { enum: OUTBOX_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }),
    confirmedAt: integer('confirmed_at', { mode: 'timestamp_ms' }),
    sequenceNumber: integer('sequence_number'),
    runningHash: text('running_hash'),
  },
  (t) => [
    index('outbox_due_idx').on(t.status, t.nextAttemptAt),
    uniqueIndex('outbox_round_idx').on(t.roundId),
  ],
);

export const rewardEpochs = sqliteTable('reward_epochs', {
  epoch: text('epoch').primaryKey(),
  tokenId: text('token_id').notNull(),
  emission: text('emission').notNull(),
  status: text('status', { enum: ['minting', 'minted', 'distributed'] }).notNull(),
  mintTransactionId: text('mint_transaction_id'),
  /** The run distributing the epoch now; a lease that expires so a crashed run can be resumed. */
  leaseOwner: text('lease_owner'),
  leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
  createdAt: createdAt(),
  completedAt: integer('completed_at', { mode: 'timestamp_ms' }),
});

export const rewardPayouts = sqliteTable(
  'reward_payouts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    epoch: text('epoch')
      .notNull()
      .references(() => rewardEpochs.epoch),
    minerAddress: text('miner_address').notNull(),
    /** Amount in the token's smallest unit, as a decimal string (it may exceed 2^53). */
    amount: text('amount').notNull(),
    status: text('status', { enum: ['pending', 'paid', 'unpaid'] }).notNull(),
    reason: text('reason'),
    transactionId: text('transaction_id'),
    createdAt: createdAt(),
    paidAt: integer('paid_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('payouts_epoch_miner_idx').on(t.epoch, t.minerAddress)],
);

/** Background job bookkeeping: last run and a lease so a job never runs twice at once. */
export const jobs = sqliteTable('jobs', {
  name: text('name').primaryKey(),
  lastStartedAt: integer('last_started_at', { mode: 'timestamp_ms' }),
  lastFinishedAt: integer('last_finished_at', { mode: 'timestamp_ms' }),
  lastError: text('last_error'),
  leaseOwner: text('lease_owner'),
  leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
});

/** Small named values the system creates once (the devnet score topic, the reward token id). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: createdAt(),
});

// ---------------------------------------------------------------- issue 10: sessions and audit

/**
 * Dashboard sessions issued against an API token: the bearer secret is random and only its
 * SHA-256 is stored. A session carries its token's role and dies with it.
 */
export const apiSessions = sqliteTable(
  'api_sessions',
  {
    id: text('id').primaryKey(),
    tokenId: text('token_id')
      .notNull()
      .references(() => apiTokens.id),
    secretHash: text('secret_hash').notNull().unique(),
    createdAt: createdAt(),
    lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }).notNull(),
    /** Slides forward with use, never past `createdAt` + the absolute lifetime. */
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('sessions_token_idx').on(t.tokenId)],
);

/** Privileged actions: who (token id and name), what, on what, when, and how it ended. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    tokenId: text('token_id').notNull(),
    tokenName: text('token_name').notNull(),
    /** A procedure path (`vms.delete`) or a REST route (`POST /v1/vms/:vmId/files`). */
    action: text('action').notNull(),
    target: text('target'),
    /** `ok`, or the error code the caller got (`FORBIDDEN`, `http_400`…). */
    outcome: text('outcome').notNull(),
  },
  (t) => [index('audit_at_idx').on(t.at)],
);
// ── Question bank and validation schedule (issue 11) ─────────────────────────────────────────────

/** Questions the schedule asks. Truths leave this table only for admins and the scorer. */
export const bankQuestions = sqliteTable(
  'bank_questions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    prompt: text('prompt').notNull(),
    /** The prompt normalised (case, whitespace, punctuation): two spellings of one question are one. */
    promptKey: text('prompt_key').notNull().unique(),
    truth: text('truth').notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    /** Where it came from: `starter`, or the imported file's name. */
    source: text('source').notNull(),
    timesAsked: integer('times_asked').notNull().default(0),
    lastAskedAt: integer('last_asked_at', { mode: 'timestamp_ms' }),
    retiredAt: integer('retired_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [index('bank_pick_idx').on(t.retiredAt, t.lastAskedAt)],
);

export const SCHEDULE_ID = 1;

/** The one validation schedule (row id 1), and where it stands. */
export const validationSchedule = sqliteTable('validation_schedule', {
  id: integer('id').primaryKey(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull(),
  intervalSeconds: integer('interval_seconds').notNull(),
  /** Miners asked per round; null asks every active miner. */
  sample: integer('sample'),
  /** Per-miner deadline; null uses VALIDATION_TIMEOUT_MS. */
  timeoutMs: integer('timeout_ms'),
  method: text('method', { enum: SCORING_METHODS }).notNull().default('auto'),
  /** Close each UTC day's reward epoch after midnight; null follows the network's default. */
  autoEpochs: integer('auto_epochs', { mode: 'boolean' }),
  /** Where the rotating sample continues in the shuffled miner order. */
  sampleCursor: integer('sample_cursor').notNull().default(0),
  /** The tick the next round belongs to; rounds start on this grid, so the schedule does not drift. */
  nextRoundAt: integer('next_round_at', { mode: 'timestamp_ms' }),
  lastRoundId: text('last_round_id'),
  lastRoundStartedAt: integer('last_round_started_at', { mode: 'timestamp_ms' }),
  lastRoundCompletedAt: integer('last_round_completed_at', { mode: 'timestamp_ms' }),
  lastError: text('last_error'),
  /** Ticks that fell while a round was still running, so were not started. */
  skippedTicks: integer('skipped_ticks').notNull().default(0),
  updatedAt: createdAt(),
});
// ---------------------------------------------------------------- auditable rounds (issue 12)

/**
 * What a v2 round committed to on the topic: its scores root and the salts of its question and
 * truth commitments. The salts are secret until the round's reveal goes out; a round without a row
 * here was published as v1.
 */
export const roundAudits = sqliteTable(
  'round_audits',
  {
    roundId: text('round_id')
      .primaryKey()
      .references(() => validationRounds.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    scoresRoot: text('scores_root').notNull(),
    questionSalt: text('question_salt').notNull(),
    truthSalt: text('truth_salt').notNull(),
    questionCommitment: text('question_commitment').notNull(),
    truthCommitment: text('truth_commitment').notNull(),
    /** When the reveal (salts, question, truth) was queued for the topic; null while secret. */
    revealedAt: integer('revealed_at', { mode: 'timestamp_ms' }),
    revealOutboxId: integer('reveal_outbox_id'),
  },
  (t) => [index('round_audits_unrevealed_idx').on(t.revealedAt)],
);
// ---------------------------------------------------------------- copy and Sybil flags (issue 12)

/**
 * Copy-group membership per round: one row per answer found near-identical to another miner's.
 * `answeredAt` is when the validator received the answer (its own clock); the earliest keeps its
 * score under the "zero copies" policy.
 */
export const roundCopyGroups = sqliteTable(
  'round_copy_groups',
  {
    roundId: text('round_id')
      .notNull()
      .references(() => validationRounds.id, { onDelete: 'cascade' }),
    vmId: text('vm_id').notNull(),
    /** The group's number within its round. */
    groupIndex: integer('group_index').notNull(),
    /** Miner account, or `vm:<id>` for an unassigned VM (the leaderboard's key). */
    minerKey: text('miner_key').notNull(),
    answeredAt: integer('answered_at', { mode: 'timestamp_ms' }).notNull(),
    earliest: integer('earliest', { mode: 'boolean' }).notNull(),
    similarity: real('similarity').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.vmId] }), index('round_copy_groups_miner_idx').on(t.minerKey)],
);
