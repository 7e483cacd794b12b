import type { MinerFailureReason } from './fan-out.ts';
import type { RoundResult } from './round-result.ts';

/** What a round reports while it runs (streamed to `validation.onProgress`). */
export type RoundProgressEvent =
  | {
      type: 'started';
      roundId: string;
      startedAt: Date;
      minerCount: number;
      method: string;
      timeoutMs: number;
    }
  | { type: 'answered'; roundId: string; vmId: string; minerAddress: string | null; latencyMs: number }
  | {
      type: 'failed';
      roundId: string;
      vmId: string;
      minerAddress: string | null;
      latencyMs: number;
      reason: MinerFailureReason;
    }
  | {
      type: 'scored';
      roundId: string;
      vmId: string;
      minerAddress: string | null;
      score: number;
      method: string;
      reason: string | null;
    }
  | { type: 'stored'; roundId: string; payloadHash: string; ledgerStatus: RoundResult['ledgerStatus'] }
  | { type: 'completed'; roundId: string; summary: RoundCompletion };

/**
 * How a round ended, in a few numbers: the answers themselves (up to 10,000) are a
 * `validation.round` query away, not pushed to every subscriber.
 */
export interface RoundCompletion {
  roundId: string;
  completedAt: Date;
  minerCount: number;
  answeredCount: number;
  failedCount: number;
  meanScore: number;
  payloadHash: string;
  ledgerStatus: RoundResult['ledgerStatus'];
}

export type RoundProgressType = RoundProgressEvent['type'];

export interface RoundHooks {
  onProgress?(event: RoundProgressEvent): void;
}
