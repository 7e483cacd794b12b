import { createOutboxRepository, createRoundAuditRepository, createRoundRepository } from '@tensornode/db';
import { nextRunningHash } from '@tensornode/devnet/running-hash';
import { checkReveal, parseRoundReveal } from '../audit/reveal.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import {
  buildRoundSummary,
  buildRoundSummaryV2,
  canonicalJson,
  hashRoundSummary,
  type RoundSummary,
  type RoundSummaryV2,
  sha256Hex,
} from '../validation/round-summary.ts';
import type { Ledger, MirrorTopicRecord, TopicMessage } from './ledger.ts';

export interface VerifyRoundResult {
  roundId: string;
  /** The topic message format the round was published in (1: scores inline; 2: Merkle root). */
  version: 1 | 2;
  /** v2: the scores root recomputed from the stored answers (null for v1). */
  scoresRoot: string | null;
  /**
   * v2: the reveal of the round's salts, question and truth. `secret` until an epoch closes or the
   * question retires; `pending` until the ledger has it; then whether it opens the commitments.
   */
  reveal: {
    status: 'secret' | 'pending' | 'verified' | 'failed';
    sequenceNumber: number | null;
  } | null;
  /** True when the message on the ledger is exactly the summary rebuilt from the database. */
  match: boolean;
  stored: {
    payloadHash: string;
    recomputedHash: string;
    topicId: string | null;
    sequenceNumber: number | null;
    runningHash: string | null;
  };
  onLedger: {
    found: boolean;
    payloadHash: string | null;
    consensusTimestamp: string | null;
    runningHash: string | null;
    /** Whether the running hash recomputed from the previous message's matches (null: not checkable). */
    runningHashValid: boolean | null;
  };
  reasons: string[];
}

/** The summary as the round runner built it, from the stored round and its answers. */
export function rebuildRoundSummary(
  ctx: Pick<CoreContext, 'db'>,
  roundId: string,
): { summary: RoundSummary; payloadHash: string } {
  const rounds = createRoundRepository(ctx.db);
  const round = rounds.findById(roundId);
  if (!round) throw new NotFoundError(`round ${roundId} not found`);
  const answers = rounds.answersOf(roundId);
  const audit = createRoundAuditRepository(ctx.db).find(roundId);
  const summary = audit
    ? buildRoundSummaryV2({ ...round, ...audit, roundId: round.id, answers })
    : buildRoundSummary({ ...round, roundId: round.id, answers });
  return { summary, payloadHash: round.payloadHash };
}

/** Recomputes each chunk's running hash from the one before it (HCS running hash version 3). */
function checkRunningHashes(records: MirrorTopicRecord[]): boolean | null {
  if (records.length < 2) return null;
  for (let i = 1; i < records.length; i++) {
    const previous = records[i - 1]!;
    const current = records[i]!;
    if (current.runningHashVersion !== 3 || current.sequenceNumber !== previous.sequenceNumber + 1)
      return null;
    const [seconds = '0', nanos = '0'] = current.consensusTimestamp.split('.');
    const expected = nextRunningHash({
      previousRunningHash: Buffer.from(previous.runningHash, 'hex'),
      payerAccountNum: Number(current.payerAccountId.split('.')[2]),
      topicNum: Number(current.topicId.split('.')[2]),
      consensusSeconds: Number(seconds),
      consensusNanos: Number(nanos.padEnd(9, '0')),
      sequenceNumber: current.sequenceNumber,
      message: current.message,
    });
    if (expected.toString('hex') !== current.runningHash) return false;
  }
  return true;
}

/** Reads the round's reveal from the ledger, if it was published, and checks it opens the commitments. */
async function checkRoundReveal(
  ctx: CoreContext & { ledger: Ledger },
  summary: RoundSummaryV2,
  topicId: string,
  reasons: string[],
): Promise<NonNullable<VerifyRoundResult['reveal']>> {
  const audit = createRoundAuditRepository(ctx.db).find(summary.roundId);
  if (!audit?.revealOutboxId) return { status: 'secret', sequenceNumber: null };
  const entry = createOutboxRepository(ctx.db).findById(audit.revealOutboxId);
  if (entry?.status !== 'confirmed' || entry.sequenceNumber == null)
    return { status: 'pending', sequenceNumber: null };
  const message = await ctx.ledger.message(entry.topicId ?? topicId, entry.sequenceNumber);
  const reveal = message ? parseRoundReveal(Buffer.from(message.message).toString('utf8')) : null;
  const problems = reveal
    ? checkReveal(reveal, summary)
    : [`no reveal message ${entry.sequenceNumber} on topic ${entry.topicId ?? topicId}`];
  reasons.push(...problems);
  return { status: problems.length === 0 ? 'verified' : 'failed', sequenceNumber: entry.sequenceNumber };
}

/** What a v2 message must also be: one chunk, carrying the root recomputed from the stored answers. */
function checkV2Message(summary: RoundSummaryV2, message: TopicMessage): string[] {
  const reasons: string[] = [];
  if (message.chunkSequenceNumbers.length !== 1)
    reasons.push(`a v2 round is one chunk; this message has ${message.chunkSequenceNumbers.length}`);
  let published: Partial<RoundSummaryV2> | null = null;
  try {
    published = JSON.parse(Buffer.from(message.message).toString('utf8')) as Partial<RoundSummaryV2>;
  } catch {
    reasons.push('the message on the ledger is not JSON');
  }
  if (published && published.scoresRoot !== summary.scoresRoot)
    reasons.push('the scores root on the ledger differs from the root of the stored answers');
  return reasons;
}

/**
 * Does the message on the ledger match the stored round? Rebuilds the round's summary from the
 * database, hashes it, and compares it with the stored hash and with the message at the round's
 * sequence number; then recomputes the running hash of each of the message's chunks from the
 * message before it.
 */
export async function verifyRound(
  ctx: CoreContext & { ledger: Ledger },
  roundId: string,
): Promise<VerifyRoundResult> {
  const { summary, payloadHash } = rebuildRoundSummary(ctx, roundId);
  const round = createRoundRepository(ctx.db).findById(roundId)!;
  const recomputedHash = hashRoundSummary(summary);
  const reasons: string[] = [];
  if (recomputedHash !== payloadHash)
    reasons.push('the stored round no longer hashes to its stored payload hash (stored data changed)');

  const result: VerifyRoundResult = {
    roundId,
    version: summary.v,
    scoresRoot: summary.v === 2 ? summary.scoresRoot : null,
    reveal: null,
    match: false,
    stored: {
      payloadHash,
      recomputedHash,
      topicId: round.ledgerTopicId,
      sequenceNumber: round.ledgerSequence,
      runningHash: round.ledgerRunningHash,
    },
    onLedger: {
      found: false,
      payloadHash: null,
      consensusTimestamp: null,
      runningHash: null,
      runningHashValid: null,
    },
    reasons,
  };
  if (round.ledgerStatus !== 'confirmed' || !round.ledgerTopicId || round.ledgerSequence == null) {
    reasons.push(`the round is not confirmed on the ledger yet (status ${round.ledgerStatus})`);
    return result;
  }

  const message = await ctx.ledger.message(round.ledgerTopicId, round.ledgerSequence);
  if (!message) {
    reasons.push(`no message ${round.ledgerSequence} on topic ${round.ledgerTopicId}`);
    return result;
  }
  const onLedgerHash = sha256Hex(message.message);
  result.onLedger = {
    found: true,
    payloadHash: onLedgerHash,
    consensusTimestamp: message.consensusTimestamp,
    runningHash: message.runningHash,
    runningHashValid: null,
  };
  if (message.incomplete) reasons.push('some chunks of the message are missing on the mirror');
  if (onLedgerHash !== recomputedHash) {
    reasons.push(
      Buffer.from(message.message).toString('utf8') === canonicalJson(summary)
        ? 'hash mismatch'
        : 'the message on the ledger differs from the round rebuilt from the database',
    );
  }
  if (summary.v === 2) reasons.push(...checkV2Message(summary, message));
  if (round.ledgerRunningHash && round.ledgerRunningHash !== message.runningHash) {
    reasons.push('the running hash stored from the receipt differs from the mirror');
  }
  const first = message.chunkSequenceNumbers[0] ?? message.sequenceNumber;
  const from = Math.max(1, first - 1);
  const records = (await ctx.ledger.records(round.ledgerTopicId, from, message.sequenceNumber)).filter(
    (r) => r.sequenceNumber >= from,
  );
  const chain = checkRunningHashes(records);
  result.onLedger.runningHashValid = chain;
  if (chain === false) reasons.push('the running hash chain does not recompute');
  if (summary.v === 2) result.reveal = await checkRoundReveal(ctx, summary, round.ledgerTopicId, reasons);

  result.match = reasons.length === 0;
  return result;
}
