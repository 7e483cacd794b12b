import type { MinerAnswerRow, ValidationRoundRow } from '@tensornode/db';

/** One miner's answer in a round, as stored. */
export type RoundAnswer = Omit<MinerAnswerRow, 'id' | 'roundId'>;

/** A stored round with every answer, in the order the miners were selected. */
export type RoundResult = ValidationRoundRow & { answers: RoundAnswer[] };

export function toRoundAnswer({ id: _id, roundId: _roundId, ...answer }: MinerAnswerRow): RoundAnswer {
  return answer;
}

/** The key a miner's running score is stored under. */
export function minerKey(answer: { minerAddress: string | null; vmId: string }): string {
  return answer.minerAddress ?? `vm:${answer.vmId}`;
}
