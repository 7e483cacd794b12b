import { connect } from 'node:net';
import type * as HederaSdk from '@hashgraph/sdk';
import { InvalidInputError } from '../errors.ts';
import {
  type Ledger,
  LedgerError,
  type LedgerKind,
  type LedgerReceipt,
  type PreparedTransaction,
  RETRYABLE_STATUSES,
  type TransactionOutcome,
} from './ledger.ts';
import { createMirrorClient } from './mirror-client.ts';
import { splitTransactionList } from './transaction-list.ts';

type Sdk = typeof HederaSdk;
/** Each prepared transaction is signed for this many nodes, so a send can fail over to another. */
const NODES_PER_TRANSACTION = 3;
let sdkPromise: Promise<Sdk> | undefined;
/** The SDK costs ~0.6 s and ~100 MB to load: only processes that talk to Hedera pay for it. */
export function loadHederaSdk(): Promise<Sdk> {
  sdkPromise ??= import('@hashgraph/sdk');
  return sdkPromise;
}

export interface HederaLedgerOptions {
  kind: LedgerKind;
  /** For `devnet` and `custom`: `host:port` → node account id. */
  nodes?: Record<string, string>;
  mirrorUrl: string;
  operatorId: string;
  /** DER hex, or raw hex (ed25519; `0x…` for ECDSA). Never logged. */
  operatorKey: string;
  /** Validity window of prepared transactions (Hedera allows up to 180 s). */
  validDurationSeconds?: number;
  /** Largest message in chunks of 1024 bytes. */
  maxChunks?: number;
  /** How long after a transaction expired the mirror may still be catching up. */
  mirrorLagMs?: number;
  /** Overall deadline of one SDK call, retries included. */
  requestTimeoutMs?: number;
  /** Deadline of one gRPC request (also how long a call waits for a connection). */
  grpcDeadlineMs?: number;
}

/** Which public mirror serves each public network. */
export const PUBLIC_MIRRORS = {
  testnet: 'https://testnet.mirrornode.hedera.com',
  mainnet: 'https://mainnet-public.mirrornode.hedera.com',
  previewnet: 'https://previewnet.mirrornode.hedera.com',
} as const;

/** `host:port=0.0.3,host:port=0.0.4` → `{ 'host:port': '0.0.3', … }`. */
export function parseHederaNodes(text: string): Record<string, string> {
  const nodes: Record<string, string> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([^=\s]+:\d+)=(\d+\.\d+\.\d+)$/.exec(part);
    if (!match) throw new InvalidInputError('HEDERA_NODES', `expected host:port=0.0.N, got "${part}"`);
    nodes[match[1]!] = match[2]!;
  }
  if (Object.keys(nodes).length === 0) throw new InvalidInputError('HEDERA_NODES', 'names no node');
  return nodes;
}

/** Reads a private key without ever echoing it: DER hex, raw ed25519 hex, or `0x` ECDSA hex. */
export function parsePrivateKey(sdk: Sdk, text: string, field = 'HEDERA_OPERATOR_KEY'): HederaSdk.PrivateKey {
  const value = text.trim();
  try {
    if (/^0x[0-9a-f]{64}$/i.test(value)) return sdk.PrivateKey.fromStringECDSA(value.slice(2));
    if (/^[0-9a-f]{64}$/i.test(value)) return sdk.PrivateKey.fromStringED25519(value);
    if (/^30[0-9a-f]+$/i.test(value)) return sdk.PrivateKey.fromStringDer(value);
  } catch {
    // fall through to the one message that does not contain the key
  }
  throw new InvalidInputError(
    field,
    'is not a private key (expected DER hex, ed25519 hex, or 0x-prefixed ECDSA hex)',
  );
}

const HINTS: Record<string, string> = {
  INVALID_SIGNATURE:
    'the signature does not match the paying account key (check HEDERA_OPERATOR_KEY for HEDERA_OPERATOR_ID)',
  PAYER_ACCOUNT_NOT_FOUND:
    'the operator account does not exist on this network (check HEDERA_OPERATOR_ID and HEDERA_NETWORK)',
  INSUFFICIENT_PAYER_BALANCE: 'the operator account cannot pay the fee',
  INVALID_TOPIC_ID: 'the topic does not exist on this network (check MASTER_SCORE_TOPIC)',
  TOKEN_NOT_ASSOCIATED_TO_ACCOUNT: 'the receiving account has not associated the token',
  TRANSACTION_EXPIRED: 'the transaction validity window passed before a node accepted it',
  UNAVAILABLE: 'no consensus node answered',
};

/** Maps whatever the SDK threw to a `LedgerError` naming Hedera's status. */
export function toLedgerError(sdk: Sdk, error: unknown): LedgerError {
  if (error instanceof LedgerError) return error;
  const make = (status: string, precheck: boolean, detail?: string, timeout = false) =>
    new LedgerError(
      status,
      `${status}${HINTS[status] ? ` — ${HINTS[status]}` : detail ? ` — ${detail}` : ''}`,
      RETRYABLE_STATUSES.has(status),
      { cause: error, precheck, timeout },
    );
  if (error instanceof sdk.PrecheckStatusError) return make(error.status.toString(), true);
  if (error instanceof sdk.ReceiptStatusError) return make(error.status.toString(), false);
  if (error instanceof sdk.MaxAttemptsOrTimeoutError) {
    const last = /last error being: ([A-Z_]+)/.exec(error.message)?.[1];
    if (last && !RETRYABLE_STATUSES.has(last)) return make(last, true);
    return make('TIMEOUT', false, `no answer after retries${last ? ` (last: ${last})` : ''}`, true);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/All nodes are unhealthy|ECONNREFUSED|UNAVAILABLE|No connection established/i.test(message)) {
    return make('UNAVAILABLE', false);
  }
  if (/deadline|timed? ?out/i.test(message))
    return make('DEADLINE_EXCEEDED', false, 'the node did not answer in time', true);
  const grpcStatus = (error as { status?: { toString(): string } })?.status?.toString();
  if (grpcStatus && /^[A-Z_]+$/.test(grpcStatus)) return make(grpcStatus, false);
  return new LedgerError('ERROR', message.slice(0, 300), true, { cause: error });
}

function receiptOf(receipt: HederaSdk.TransactionReceipt, transactionId: string): LedgerReceipt {
  return {
    status: receipt.status.toString(),
    transactionId,
    ...(receipt.topicSequenceNumber != null && receipt.topicRunningHash?.length
      ? {
          topicSequenceNumber: Number(receipt.topicSequenceNumber.toString()),
          topicRunningHash: Buffer.from(receipt.topicRunningHash).toString('hex'),
        }
      : {}),
    ...(receipt.topicId ? { topicId: receipt.topicId.toString() } : {}),
    ...(receipt.tokenId ? { tokenId: receipt.tokenId.toString() } : {}),
    ...(receipt.accountId ? { accountId: receipt.accountId.toString() } : {}),
  };
}

function canConnect(endpoint: string): Promise<boolean> {
  const [host = '127.0.0.1', port = '0'] = endpoint.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port), timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** Builds the `Ledger` on `@hashgraph/sdk`. The caller must `close()` it (the client holds channels). */
export async function createHederaLedger(options: HederaLedgerOptions): Promise<Ledger> {
  const sdk = await loadHederaSdk();
  const operatorKey = parsePrivateKey(sdk, options.operatorKey);
  const operatorId = sdk.AccountId.fromString(options.operatorId);
  const validDuration = options.validDurationSeconds ?? 120;
  const mirrorLagMs = options.mirrorLagMs ?? (options.kind === 'devnet' ? 0 : 30_000);

  function makeClient(): HederaSdk.Client {
    let made: HederaSdk.Client;
    if (options.kind === 'devnet' || options.kind === 'custom') {
      const nodes = options.nodes ?? {};
      made = sdk.Client.forNetwork(
        Object.fromEntries(
          Object.entries(nodes).map(([endpoint, id]) => [endpoint, sdk.AccountId.fromString(id)]),
        ),
        { scheduleNetworkUpdate: false },
      );
    } else {
      const factory = {
        testnet: sdk.Client.forTestnet,
        mainnet: sdk.Client.forMainnet,
        previewnet: sdk.Client.forPreviewnet,
      }[options.kind];
      made = factory.call(sdk.Client, { scheduleNetworkUpdate: false });
    }
    made.setOperator(operatorId, operatorKey);
    // The outbox owns retries over minutes; the SDK only rides out short blips.
    made.setMaxAttempts(4);
    made.setMinBackoff(100);
    made.setMaxBackoff(1000);
    made.setNodeMinBackoff(250);
    made.setNodeMaxBackoff(4000);
    made.setRequestTimeout(options.requestTimeoutMs ?? 15_000);
    made.setGrpcDeadline(options.grpcDeadlineMs ?? 5000);
    return made;
  }
  let client = makeClient();
  let closed = false;
  let outageSeenAt = 0;
  let lastProbeAt = 0;
  /**
   * gRPC channels back off reconnecting for longer and longer while a node is down (up to two
   * minutes). After an outage, once a node accepts TCP connections again, a fresh client reaches
   * it at once instead of waiting out that backoff.
   */
  async function recoverFromOutage(): Promise<void> {
    if (closed || outageSeenAt === 0 || Date.now() - lastProbeAt < 500) return;
    lastProbeAt = Date.now();
    const endpoints = Object.keys(client.network);
    const reachable = await Promise.all(endpoints.slice(0, 3).map(canConnect));
    if (!reachable.some(Boolean)) return;
    outageSeenAt = 0;
    const old = client;
    client = makeClient();
    old.close();
  }

  const mirror = createMirrorClient(options.mirrorUrl);

  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    await recoverFromOutage();
    try {
      return await fn();
    } catch (error) {
      const ledgerError = toLedgerError(sdk, error);
      if (ledgerError.status === 'UNAVAILABLE') outageSeenAt ||= Date.now();
      throw ledgerError;
    }
  };

  // Chosen here rather than by the SDK, which leaves out nodes it currently thinks unhealthy and
  // then cannot freeze at all when that is every node (right after an outage).
  const allNodes = [...new Set(Object.values(client.network).map((id) => id.toString()))];
  function pickNodes(): HederaSdk.AccountId[] {
    const shuffled = [...allNodes].sort(() => Math.random() - 0.5);
    return shuffled.slice(0, NODES_PER_TRANSACTION).map((id) => sdk.AccountId.fromString(id));
  }

  function newTransactionId(validStart?: Date): HederaSdk.TransactionId {
    if (!validStart) return sdk.TransactionId.generate(operatorId);
    return sdk.TransactionId.withValidStart(operatorId, sdk.Timestamp.fromDate(validStart));
  }

  async function prepare(
    tx: HederaSdk.Transaction,
    transactionId: HederaSdk.TransactionId,
    extraSigners: HederaSdk.PrivateKey[] = [],
  ): Promise<PreparedTransaction> {
    tx.setTransactionId(transactionId)
      .setTransactionValidDuration(validDuration)
      .setNodeAccountIds(pickNodes())
      .freezeWith(client);
    await tx.signWithOperator(client);
    for (const key of extraSigners) await tx.sign(key);
    const nodeCount = tx.nodeAccountIds?.length ?? 1;
    const chunks = splitTransactionList(tx.toBytes(), nodeCount);
    const validStart = transactionId.validStart!.toDate();
    return {
      transactionId: transactionId.toString(),
      chunks,
      validStart,
      validUntil: new Date(validStart.getTime() + validDuration * 1000),
    };
  }

  async function receiptFor(
    transactionId: HederaSdk.TransactionId,
    attempts?: number,
  ): Promise<LedgerReceipt> {
    const query = new sdk.TransactionReceiptQuery().setTransactionId(transactionId).setValidateStatus(false);
    if (attempts) query.setMaxAttempts(attempts);
    const receipt = await call(() => query.execute(client));
    return receiptOf(receipt, transactionId.toString());
  }

  async function getReceipt(transactionId: string): Promise<LedgerReceipt | null> {
    try {
      return await receiptFor(sdk.TransactionId.fromString(transactionId), 2);
    } catch (error) {
      if (error instanceof LedgerError && /RECEIPT_NOT_FOUND/.test(`${error.status} ${error.message}`))
        return null;
      throw error;
    }
  }

  async function executeSimple(
    tx: HederaSdk.Transaction,
    signers: HederaSdk.PrivateKey[] = [],
  ): Promise<LedgerReceipt> {
    const prepared = await prepare(tx, newTransactionId(), signers);
    return ledger.submitPrepared(prepared.chunks);
  }

  const ledger: Ledger = {
    kind: options.kind,
    operatorAccountId: options.operatorId,
    mirrorUrl: options.mirrorUrl,
    validDurationSeconds: validDuration,

    async createTopic(memo) {
      const tx = new sdk.TopicCreateTransaction();
      if (memo) tx.setTopicMemo(memo);
      const receipt = await executeSimple(tx);
      return receipt.topicId!;
    },

    async prepareTopicMessage(topicId, message, { validStart } = {}) {
      const tx = new sdk.TopicMessageSubmitTransaction()
        .setTopicId(topicId)
        .setMessage(message)
        .setMaxChunks(options.maxChunks ?? 500);
      return prepare(tx, newTransactionId(validStart));
    },

    async prepareMint(tokenId, amount, { transactionId } = {}) {
      const tx = new sdk.TokenMintTransaction()
        .setTokenId(tokenId)
        .setAmount(sdk.Long.fromString(amount.toString()));
      return prepare(tx, transactionId ? sdk.TransactionId.fromString(transactionId) : newTransactionId());
    },

    async prepareTokenTransfer(tokenId, to, amount, { transactionId } = {}) {
      const units = sdk.Long.fromString(amount.toString());
      const tx = new sdk.TransferTransaction()
        .addTokenTransfer(tokenId, operatorId, units.negate())
        .addTokenTransfer(tokenId, to, units);
      return prepare(tx, transactionId ? sdk.TransactionId.fromString(transactionId) : newTransactionId());
    },

    async submitPrepared(chunks) {
      let last: LedgerReceipt | undefined;
      for (const [index, bytes] of chunks.entries()) {
        try {
          const tx = sdk.Transaction.fromBytes(bytes);
          const id = tx.transactionId;
          if (!id)
            throw new LedgerError('INVALID_TRANSACTION_ID', 'prepared bytes carry no transaction id', false);
          try {
            await call(() => tx.execute(client));
          } catch (error) {
            // Already accepted by a node on an earlier attempt: only its receipt is missing.
            if (!(error instanceof LedgerError && error.status === 'DUPLICATE_TRANSACTION')) throw error;
          }
          last = await receiptFor(id);
          if (last.status !== 'SUCCESS') {
            throw new LedgerError(
              last.status,
              `${last.status}${HINTS[last.status] ? ` — ${HINTS[last.status]}` : ''}`,
              false,
            );
          }
        } catch (error) {
          // Say how many chunks are already on the topic: those bytes must not be sent again under a new id.
          if (index === 0 || !(error instanceof LedgerError)) throw error;
          throw new LedgerError(error.status, error.message, error.retryable, {
            cause: error.cause,
            timeout: error.timedOut,
            precheck: error.precheck,
            chunksConfirmed: index,
          });
        }
      }
      if (!last) throw new LedgerError('INVALID_TRANSACTION_BODY', 'nothing to send', false);
      return last;
    },

    getReceipt,

    async transactionOutcome(transactionId, validUntil): Promise<TransactionOutcome> {
      const receipt = await getReceipt(transactionId).catch(() => undefined);
      if (receipt && receipt.status !== 'UNKNOWN') return { state: 'executed', receipt };
      if (receipt === undefined)
        return { state: 'unknown', reason: 'the node could not be asked for a receipt' };
      // Until the window closes a node may still accept the bytes; after it, the mirror's history decides.
      if (Date.now() < validUntil.getTime() + mirrorLagMs)
        return { state: 'unknown', reason: `its validity window is open until ${validUntil.toISOString()}` };
      try {
        const result = await mirror.transactionResult(transactionId);
        if (result !== null) return { state: 'executed', receipt: { status: result, transactionId } };
        // A 404 is "never executed" only from a mirror whose history reaches past the window's end.
        const latest = await mirror.latestConsensusTimestamp();
        if (latest !== null && consensusNanos(latest) > BigInt(validUntil.getTime()) * 1_000_000n)
          return { state: 'never_executed' };
        return {
          state: 'unknown',
          reason: `the mirror does not know it, but its history ends at ${latest ?? 'nothing'}, before the transaction's valid-until ${validUntil.toISOString()} (lagging or misconfigured mirror)`,
        };
      } catch (error) {
        return {
          state: 'unknown',
          reason: `the mirror could not be asked: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
    },

    messages: (topicId, opts = {}) => mirror.page(topicId, opts),
    message: (topicId, sequenceNumber) => mirror.message(topicId, sequenceNumber),
    records: (topicId, from, to) => mirror.records(topicId, from, to),
    findMessageByTransactionId: (topicId, transactionId, since) =>
      mirror.findByTransactionId(topicId, transactionId, since),

    async createToken({ name, symbol, decimals, initialSupply = 0n }) {
      const tx = new sdk.TokenCreateTransaction()
        .setTokenName(name)
        .setTokenSymbol(symbol)
        .setDecimals(decimals)
        .setInitialSupply(sdk.Long.fromString(initialSupply.toString()))
        .setTreasuryAccountId(operatorId)
        .setSupplyKey(operatorKey.publicKey)
        .setAdminKey(operatorKey.publicKey)
        .setTokenType(sdk.TokenType.FungibleCommon)
        .setSupplyType(sdk.TokenSupplyType.Infinite);
      const receipt = await executeSimple(tx);
      return receipt.tokenId!;
    },

    async createAccount({ initialHbar = 0 } = {}) {
      const key = sdk.PrivateKey.generateED25519();
      const tx = new sdk.AccountCreateTransaction()
        .setKeyWithoutAlias(key.publicKey)
        .setInitialBalance(new sdk.Hbar(initialHbar));
      const receipt = await executeSimple(tx);
      return { accountId: receipt.accountId!, privateKey: key.toStringDer() };
    },

    async associate(accountId, privateKey, tokenIds) {
      const key = parsePrivateKey(sdk, privateKey, 'privateKey');
      const tx = new sdk.TokenAssociateTransaction().setAccountId(accountId).setTokenIds([...tokenIds]);
      await executeSimple(tx, [key]);
    },

    async balance(accountId) {
      const result = await call(() => new sdk.AccountBalanceQuery().setAccountId(accountId).execute(client));
      const tokens: Record<string, bigint> = {};
      for (const [tokenId, amount] of result.tokens ?? [])
        tokens[tokenId.toString()] = BigInt(amount.toString());
      return { hbarTinybars: BigInt(result.hbars.toTinybars().toString()), tokens };
    },

    async ping() {
      const query = new sdk.AccountBalanceQuery().setAccountId(operatorId).setMaxAttempts(1);
      await call(() => query.execute(client));
    },

    async close() {
      closed = true;
      client.close();
    },
  };
  return ledger;
}

/** `seconds.nanoseconds` (the mirror's timestamps) as nanoseconds since the epoch. */
function consensusNanos(timestamp: string): bigint {
  const [seconds = '0', nanos = '0'] = timestamp.split('.');
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos.padEnd(9, '0'));
}
