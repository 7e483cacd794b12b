export {
  DevnetBusyError,
  type RunningLedger,
  SCORE_TOPIC_SETTING,
  startConfiguredLedger,
  startLocalDevnet,
} from './embedded.ts';
export {
  createHederaLedger,
  type HederaLedgerOptions,
  loadHederaSdk,
  PUBLIC_MIRRORS,
  parseHederaNodes,
} from './hedera-ledger.ts';
export {
  type Ledger,
  LedgerError,
  type LedgerKind,
  type LedgerReceipt,
  type MessagePage,
  type PreparedTransaction,
  type TopicMessage,
} from './ledger.ts';
export {
  createOutboxHook,
  createOutboxWorker,
  disabledLedgerHook,
  type OutboxMetrics,
  type OutboxWorker,
  type RetryFailedInput,
  retryFailedEntries,
} from './outbox.ts';
export { type DecodedTopicMessage, listOutbox, listTopicMessages } from './read.ts';
export { requireLedger } from './require-ledger.ts';
export { rebuildRoundSummary, type VerifyRoundResult, verifyRound } from './verify-round.ts';
