import {
  createOutboxRepository,
  createRoundAuditRepository,
  createRoundRepository,
  type Database,
  type Executor,
} from '@tensornode/db';
import { canonicalJson } from './canonical-json.ts';
import { commitment } from './commitment.ts';

/**
 * What a reveal publishes on the score topic: the salts, question and truth behind a v2 round's
 * commitments. Anyone recomputes SHA-256(salt ‖ value) and compares it with the round's message.
 */
export interface RoundReveal {
  v: 2;
  type: 'reveal';
  roundId: string;
  question: string;
  questionSalt: string;
  truth: string;
  truthSalt: string;
}

export function parseRoundReveal(text: string): RoundReveal | null {
  try {
    const value = JSON.parse(text) as Partial<RoundReveal>;
    if (value?.type !== 'reveal' || typeof value.roundId !== 'string') return null;
    for (const key of ['question', 'questionSalt', 'truth', 'truthSalt'] as const)
      if (typeof value[key] !== 'string') return null;
    return value as RoundReveal;
  } catch {
    return null;
  }
}

/** Whether a reveal opens the commitments a round published; the reasons when it does not. */
export function checkReveal(
  reveal: RoundReveal,
  committed: { roundId: string; questionCommitment: string; truthCommitment: string },
): string[] {
  const reasons: string[] = [];
  if (reveal.roundId !== committed.roundId) reasons.push('the reveal is of another round');
  const opens = (salt: string, value: string, expected: string) => {
    try {
      return commitment(salt, value) === expected;
    } catch {
      return false;
    }
  };
  if (!opens(reveal.questionSalt, reveal.question, committed.questionCommitment))
    reasons.push('the revealed question and salt do not open the question commitment');
  if (!opens(reveal.truthSalt, reveal.truth, committed.truthCommitment))
    reasons.push('the revealed truth and salt do not open the truth commitment');
  return reasons;
}

/** Queues the reveal of one round on the outbox (same transaction as the mark); false if done already. */
function queueReveal(tx: Executor, roundId: string, at: Date): boolean {
  const audits = createRoundAuditRepository(tx);
  const audit = audits.find(roundId);
  const round = createRoundRepository(tx).findById(roundId);
  if (!audit || !round || audit.revealedAt) return false;
  const reveal: RoundReveal = {
    v: 2,
    type: 'reveal',
    roundId,
    question: round.prompt,
    questionSalt: audit.questionSalt,
    truth: round.truth,
    truthSalt: audit.truthSalt,
  };
  // Not tied to the round's own outbox row (one per round): the worker sends it to the score topic.
  const outboxId = createOutboxRepository(tx).insert({
    kind: 'reveal',
    roundId: null,
    topicId: round.ledgerTopicId,
    payload: canonicalJson(reveal),
    nextAttemptAt: at,
  });
  return audits.markRevealed(roundId, at, outboxId);
}

/** Reveals the given rounds (those still secret); returns how many were queued. */
export function revealRounds(ctx: { db: Database; now?: () => Date }, roundIds: readonly string[]): number {
  const at = ctx.now?.() ?? new Date();
  return ctx.db.transaction((tx) => roundIds.filter((id) => queueReveal(tx, id, at)).length);
}

/** An epoch closed: every round completed before `before` that is still secret is revealed. */
export function revealRoundsBefore(ctx: { db: Database; now?: () => Date }, before: Date): number {
  let total = 0;
  for (;;) {
    const batch = createRoundAuditRepository(ctx.db).unrevealedBefore(before, 500);
    if (batch.length === 0) return total;
    total += revealRounds(
      ctx,
      batch.map((a) => a.roundId),
    );
  }
}

/**
 * A question leaves the bank: every round that asked it is revealed, and the round runner refuses
 * to ask it again (`isQuestionRevealed`).
 */
export function revealQuestion(ctx: { db: Database; now?: () => Date }, input: { question: string }): number {
  const roundIds = createRoundAuditRepository(ctx.db).roundsAsking(input.question);
  return revealRounds(ctx, roundIds);
}

export function isQuestionRevealed(db: Executor, question: string): boolean {
  return createRoundAuditRepository(db).revealedQuestion(question);
}
