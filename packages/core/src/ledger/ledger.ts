import { UpstreamError } from '../errors.ts';

/** Which network a ledger talks to; `custom` is `HEDERA_NODES`. */
export type LedgerKind = 'devnet' | 'testnet' | 'mainnet' | 'previewnet' | 'custom';

/** A transaction frozen and signed ahead of sending: resending these bytes can never execute it twice. */
export interface PreparedTransaction {
  /** The id of the first (or only) transaction, `0.0.2@1700000000.000000001`. */
  transactionId: string;
  /** Signed `TransactionList` bytes, one per chunk (topic messages over 1024 bytes have several). */
  chunks: Uint8Array[];
  validStart: Date;
  /** After this instant no node accepts the bytes any more (TRANSACTION_EXPIRED). */
  validUntil: Date;
}

export interface LedgerReceipt {
  status: string;
  transactionId: string;
  topicSequenceNumber?: number;
  /** Hex; for a chunked message, of its last chunk. */
  topicRunningHash?: string;
  topicId?: string;
  tokenId?: string;
  accountId?: string;
}

/** A topic message as the mirror node returns it, chunks reassembled into one payload. */
export interface TopicMessage {
  topicId: string;
  /** The sequence number of the message's last chunk (when it became complete). */
  sequenceNumber: number;
  /** The sequence numbers of every chunk, first to last. */
  chunkSequenceNumbers: number[];
  consensusTimestamp: string;
  payerAccountId: string;
  /** Hex running hash after the last chunk. */
  runningHash: string;
  runningHashVersion: number;
  /** The initial transaction id of the (chunked) submission, when the mirror reports it. */
  transactionId: string | null;
  message: Uint8Array;
  /** True when some chunks of the message were not found. */
  incomplete: boolean;
}

/** One raw mirror record (a chunk), for running-hash checks. */
export interface MirrorTopicRecord {
  topicId: string;
  sequenceNumber: number;
  consensusTimestamp: string;
  payerAccountId: string;
  runningHash: string;
  runningHashVersion: number;
  message: Uint8Array;
  chunk: { number: number; total: number; initialTransactionId: string } | null;
}

export interface MessagePage {
  messages: TopicMessage[];
  /** Opaque cursor for the next page, null at the end. */
  next: string | null;
}

export interface TokenBalance {
  hbarTinybars: bigint;
  tokens: Record<string, bigint>;
}

/** Whether a transaction id ever reached consensus, and how it ended. */
export type TransactionOutcome =
  | { state: 'executed'; receipt: LedgerReceipt }
  /** `reason` says what is still missing (the window is open, the mirror lags…). */
  | { state: 'unknown'; reason: string }
  | { state: 'never_executed' };

/** The ledger the project writes scores to and pays rewards on. Hedera through `@hashgraph/sdk`. */
export interface Ledger {
  readonly kind: LedgerKind;
  readonly operatorAccountId: string;
  readonly mirrorUrl: string;
  /** How long prepared transactions stay valid. */
  readonly validDurationSeconds: number;

  createTopic(memo?: string): Promise<string>;
  prepareTopicMessage(
    topicId: string,
    message: Uint8Array,
    options?: { validStart?: Date },
  ): Promise<PreparedTransaction>;
  prepareMint(
    tokenId: string,
    amount: bigint,
    options?: { transactionId?: string },
  ): Promise<PreparedTransaction>;
  prepareTokenTransfer(
    tokenId: string,
    to: string,
    amount: bigint,
    options?: { transactionId?: string },
  ): Promise<PreparedTransaction>;
  /**
   * Sends each chunk (a DUPLICATE_TRANSACTION answer counts as sent) and waits for its receipt;
   * returns the last chunk's receipt. Throws `LedgerError`.
   */
  submitPrepared(chunks: readonly Uint8Array[]): Promise<LedgerReceipt>;
  /** The receipt, or null when the node has none (never submitted, or too old). */
  getReceipt(transactionId: string): Promise<LedgerReceipt | null>;
  /** Receipt first, then the mirror's history: `never_executed` only when both are sure. */
  transactionOutcome(transactionId: string, validUntil: Date): Promise<TransactionOutcome>;

  messages(
    topicId: string,
    options?: { limit?: number; order?: 'asc' | 'desc'; cursor?: string },
  ): Promise<MessagePage>;
  /** The message whose last (or only) chunk has this sequence number, reassembled; null if absent. */
  message(topicId: string, sequenceNumber: number): Promise<TopicMessage | null>;
  /** Raw records, ascending, in `[from, to]`. */
  records(topicId: string, from: number, to: number): Promise<MirrorTopicRecord[]>;
  /** A message submitted with this initial transaction id at or after `since`, if the mirror has it. */
  findMessageByTransactionId(
    topicId: string,
    transactionId: string,
    since: Date,
  ): Promise<TopicMessage | null>;

  createToken(input: {
    name: string;
    symbol: string;
    decimals: number;
    initialSupply?: bigint;
  }): Promise<string>;
  /** Creates an account paid by the operator, with a new ed25519 key (DER hex, for its owner only). */
  createAccount(options?: { initialHbar?: number }): Promise<{ accountId: string; privateKey: string }>;
  /** Associates `accountId` with the tokens, signing with that account's key (DER or hex). */
  associate(accountId: string, privateKey: string, tokenIds: readonly string[]): Promise<void>;
  balance(accountId: string): Promise<TokenBalance>;
  /** Cheap liveness check: the node answers a balance query for the operator. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A failed ledger call. `status` is Hedera's response code (or a transport code such as
 * UNAVAILABLE); `retryable` says whether sending the same bytes again may succeed.
 */
export class LedgerError extends UpstreamError {
  override name = 'LedgerError';
  constructor(
    readonly status: string,
    message: string,
    readonly retryable: boolean,
    options: { cause?: unknown; timeout?: boolean; precheck?: boolean; chunksConfirmed?: number } = {},
  ) {
    super('hedera', message, options);
    this.precheck = options.precheck === true;
    this.chunksConfirmed = options.chunksConfirmed ?? 0;
  }
  /** Rejected before consensus: the node never forwarded this transaction. */
  readonly precheck: boolean;
  /** Chunks of a multi-chunk message that reached consensus before this failure (0: none did). */
  readonly chunksConfirmed: number;
}

/** Answers that a later resend of the same bytes may turn into success. */
export const RETRYABLE_STATUSES = new Set([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'TIMEOUT',
  'BUSY',
  'PLATFORM_TRANSACTION_NOT_CREATED',
  'PLATFORM_NOT_ACTIVE',
  'UNKNOWN',
  'RECEIPT_NOT_FOUND',
  'CONNECTION',
  'INTERNAL',
]);
