import { proto } from '@hashgraph/proto';
import {
  accountIdProto,
  accountNum,
  int64,
  toBigInt,
  tokenIdProto,
  tokenNum,
  toNumber,
  topicIdProto,
  topicNum,
} from './entity-id.ts';
import { encodeKey, isUsableKey, SignatureCheck } from './keys.ts';
import { nextRunningHash, RUNNING_HASH_VERSION } from './running-hash.ts';
import { type ConsensusNs, type LedgerState, NODE_ACCOUNT_NUM } from './state.ts';
import { type ParsedTransactionId, parseTransactionId, transactionIdKey } from './transaction-id.ts';

const Status = proto.ResponseCodeEnum;
type Status = proto.ResponseCodeEnum;

/** Which transaction body each gRPC method accepts. */
export const TRANSACTION_METHODS = {
  ConsensusService: { createTopic: 'consensusCreateTopic', submitMessage: 'consensusSubmitMessage' },
  CryptoService: { createAccount: 'cryptoCreateAccount', cryptoTransfer: 'cryptoTransfer' },
  TokenService: { createToken: 'tokenCreation', mintToken: 'tokenMint', associateTokens: 'tokenAssociate' },
} as const;

type BodyCase = {
  [S in keyof typeof TRANSACTION_METHODS]: (typeof TRANSACTION_METHODS)[S][keyof (typeof TRANSACTION_METHODS)[S]];
}[keyof typeof TRANSACTION_METHODS];

const MIN_VALID_DURATION_S = 15;
const MAX_VALID_DURATION_S = 180;
// A transaction may start a little ahead of the node's clock, as on Hedera.
const FUTURE_START_TOLERANCE_NS = 3_000_000_000n;
const MAX_TOPIC_MESSAGE_BYTES = 1024;
const EMPTY_RUNNING_HASH = new Uint8Array(48);

/** A handler's verdict that the transaction reached consensus but failed (its receipt status). */
class HandleFailure extends Error {
  constructor(readonly status: Status) {
    super(Status[status]);
  }
}

function ensure(condition: unknown, status: Status): asserts condition {
  if (!condition) throw new HandleFailure(status);
}

interface HandleContext {
  state: LedgerState;
  body: proto.TransactionBody;
  payerNum: number;
  transactionId: ParsedTransactionId;
  signatures: SignatureCheck;
  consensusNs: ConsensusNs;
}

type Handler = (ctx: HandleContext) => proto.ITransactionReceipt;

const HANDLERS: Record<BodyCase, Handler> = {
  consensusCreateTopic: createTopic,
  consensusSubmitMessage: submitMessage,
  cryptoCreateAccount: createAccount,
  cryptoTransfer: cryptoTransfer,
  tokenCreation: createToken,
  tokenMint: mintToken,
  tokenAssociate: associateTokens,
};

/** Prechecks a transaction and, when it passes, brings it to consensus at once and stores its receipt. */
export class TransactionProcessor {
  private lastConsensusNs: ConsensusNs;

  constructor(
    private readonly state: LedgerState,
    private readonly nowNs: () => bigint = () => BigInt(Date.now()) * 1_000_000n,
  ) {
    this.lastConsensusNs = state.lastConsensusNs();
  }

  submit(expectedCase: BodyCase, transactionBytes: Uint8Array): Status {
    let bodyBytes: Uint8Array;
    let sigPairs: proto.ISignaturePair[];
    let body: proto.TransactionBody;
    try {
      const transaction = proto.Transaction.decode(transactionBytes);
      if (transaction.signedTransactionBytes?.length) {
        const signed = proto.SignedTransaction.decode(transaction.signedTransactionBytes);
        bodyBytes = signed.bodyBytes;
        sigPairs = signed.sigMap?.sigPair ?? [];
      } else {
        bodyBytes = transaction.bodyBytes;
        sigPairs = transaction.sigMap?.sigPair ?? [];
      }
      body = proto.TransactionBody.decode(bodyBytes);
    } catch {
      return Status.INVALID_TRANSACTION_BODY;
    }
    if (body.data !== expectedCase) return Status.INVALID_TRANSACTION_BODY;

    const transactionId = parseTransactionId(body.transactionID);
    if (!transactionId || transactionId.scheduled) return Status.INVALID_TRANSACTION_ID;
    if (accountNum(body.nodeAccountID) !== NODE_ACCOUNT_NUM) return Status.INVALID_NODE_ACCOUNT;

    const validSeconds = toNumber(body.transactionValidDuration?.seconds);
    if (validSeconds < MIN_VALID_DURATION_S || validSeconds > MAX_VALID_DURATION_S) {
      return Status.INVALID_TRANSACTION_DURATION;
    }
    const now = this.nowNs();
    if (transactionId.validStartNs > now + FUTURE_START_TOLERANCE_NS) return Status.INVALID_TRANSACTION_START;
    if (now >= transactionId.validStartNs + BigInt(validSeconds) * 1_000_000_000n)
      return Status.TRANSACTION_EXPIRED;

    const idKey = transactionIdKey(transactionId);
    if (this.state.getReceipt(idKey)) return Status.DUPLICATE_TRANSACTION;

    const payer = this.state.getAccount(transactionId.payerNum);
    if (!payer) return Status.PAYER_ACCOUNT_NOT_FOUND;
    const signatures = new SignatureCheck(bodyBytes, sigPairs);
    if (!signatures.isSatisfied(payer.key)) return Status.INVALID_SIGNATURE;

    this.state.inTransaction(() => {
      const consensusNs = now > this.lastConsensusNs ? now : this.lastConsensusNs + 1n;
      const ctx: HandleContext = {
        state: this.state,
        body,
        payerNum: transactionId.payerNum,
        transactionId,
        signatures,
        consensusNs,
      };
      let receipt: proto.ITransactionReceipt;
      try {
        // A nested transaction is a savepoint: a failed handler leaves no partial state behind.
        receipt = this.state.inTransaction(() => HANDLERS[expectedCase](ctx));
      } catch (error) {
        if (!(error instanceof HandleFailure)) throw error;
        receipt = { status: error.status };
      }
      this.state.recordTransaction(idKey, consensusNs, proto.TransactionReceipt.encode(receipt).finish());
      this.lastConsensusNs = consensusNs;
    });
    return Status.OK;
  }
}

function createTopic({ state, body, signatures }: HandleContext): proto.ITransactionReceipt {
  const op = body.consensusCreateTopic ?? {};
  const adminKey = isUsableKey(op.adminKey) ? op.adminKey : null;
  const submitKey = isUsableKey(op.submitKey) ? op.submitKey : null;
  ensure(!adminKey || signatures.isSatisfied(adminKey), Status.INVALID_SIGNATURE);
  ensure((op.memo ?? '').length <= 100, Status.MEMO_TOO_LONG);
  const num = state.allocateEntityNum();
  state.insertTopic({
    num,
    memo: op.memo ?? '',
    adminKey: adminKey ? encodeKey(adminKey) : null,
    submitKey: submitKey ? encodeKey(submitKey) : null,
    sequenceNumber: 0,
    runningHash: EMPTY_RUNNING_HASH,
  });
  return { status: Status.SUCCESS, topicID: topicIdProto(num) };
}

function submitMessage(ctx: HandleContext): proto.ITransactionReceipt {
  const { state, body, signatures, payerNum, consensusNs, transactionId } = ctx;
  const op = body.consensusSubmitMessage ?? {};
  const topicId = topicNum(op.topicID);
  const topic = topicId == null ? null : state.getTopic(topicId);
  ensure(topic, Status.INVALID_TOPIC_ID);
  ensure(!topic.submitKey || signatures.isSatisfied(topic.submitKey), Status.INVALID_SIGNATURE);
  const message = op.message ?? new Uint8Array();
  ensure(message.length > 0, Status.INVALID_TOPIC_MESSAGE);
  ensure(message.length <= MAX_TOPIC_MESSAGE_BYTES, Status.MESSAGE_SIZE_TOO_LARGE);

  let chunk = null;
  if (op.chunkInfo) {
    const { number = 0, total = 0 } = op.chunkInfo;
    ensure(number != null && total != null && number >= 1 && number <= total, Status.INVALID_CHUNK_NUMBER);
    const initial = parseTransactionId(op.chunkInfo.initialTransactionID);
    ensure(initial && initial.payerNum === payerNum, Status.INVALID_CHUNK_TRANSACTION_ID);
    ensure(
      number !== 1 || transactionIdKey(initial) === transactionIdKey(transactionId),
      Status.INVALID_CHUNK_TRANSACTION_ID,
    );
    chunk = { number, total, initialTransaction: initial };
  }

  const sequenceNumber = topic.sequenceNumber + 1;
  const runningHash = nextRunningHash({
    previousRunningHash: topic.runningHash,
    payerAccountNum: payerNum,
    topicNum: topic.num,
    consensusSeconds: Number(consensusNs / 1_000_000_000n),
    consensusNanos: Number(consensusNs % 1_000_000_000n),
    sequenceNumber,
    message,
  });
  state.appendTopicMessage({
    topicNum: topic.num,
    sequenceNumber,
    consensusNs,
    message,
    runningHash,
    payerNum,
    chunk,
  });
  return {
    status: Status.SUCCESS,
    topicSequenceNumber: int64(sequenceNumber),
    topicRunningHash: runningHash,
    topicRunningHashVersion: int64(RUNNING_HASH_VERSION),
  };
}

function createAccount({ state, body, payerNum }: HandleContext): proto.ITransactionReceipt {
  const op = body.cryptoCreateAccount ?? {};
  ensure(isUsableKey(op.key), Status.KEY_REQUIRED);
  const initialBalance = toBigInt(op.initialBalance);
  ensure(initialBalance >= 0n, Status.INVALID_INITIAL_BALANCE);
  const payer = state.getAccount(payerNum);
  ensure(payer && payer.balance >= initialBalance, Status.INSUFFICIENT_PAYER_BALANCE);
  const num = state.allocateEntityNum();
  state.setHbarBalance(payerNum, payer.balance - initialBalance);
  state.insertAccount(num, encodeKey(op.key), initialBalance, op.memo ?? '');
  return { status: Status.SUCCESS, accountID: accountIdProto(num) };
}

/** Net change per account; Hedera rejects a list that names an account twice. */
function netAmounts(amounts: proto.IAccountAmount[]): Map<number, bigint> {
  const net = new Map<number, bigint>();
  for (const entry of amounts) {
    const account = accountNum(entry.accountID);
    ensure(account != null, Status.INVALID_ACCOUNT_ID);
    ensure(!net.has(account), Status.ACCOUNT_REPEATED_IN_ACCOUNT_AMOUNTS);
    net.set(account, toBigInt(entry.amount));
  }
  return net;
}

const sum = (values: Iterable<bigint>): bigint => [...values].reduce((a, b) => a + b, 0n);

function cryptoTransfer({ state, body, signatures }: HandleContext): proto.ITransactionReceipt {
  const op = body.cryptoTransfer ?? {};
  const hbar = netAmounts(op.transfers?.accountAmounts ?? []);
  ensure(sum(hbar.values()) === 0n, Status.INVALID_ACCOUNT_AMOUNTS);
  const tokenTransfers = (op.tokenTransfers ?? []).map((list) => {
    const token = tokenNum(list.token);
    const row = token == null ? null : state.getToken(token);
    ensure(row, Status.INVALID_TOKEN_ID);
    ensure(!list.nftTransfers?.length, Status.NOT_SUPPORTED);
    if (list.expectedDecimals != null) {
      ensure(list.expectedDecimals.value === row.decimals, Status.UNEXPECTED_TOKEN_DECIMALS);
    }
    const amounts = netAmounts(list.transfers ?? []);
    ensure(sum(amounts.values()) === 0n, Status.TRANSFERS_NOT_ZERO_SUM_FOR_TOKEN);
    return { token: row, amounts };
  });
  ensure(
    new Set(tokenTransfers.map((t) => t.token.num)).size === tokenTransfers.length,
    Status.TOKEN_ID_REPEATED_IN_TOKEN_LIST,
  );

  const hbarUpdates: Array<[number, bigint]> = [];
  for (const [account, amount] of hbar) {
    const row = state.getAccount(account);
    ensure(row, Status.INVALID_ACCOUNT_ID);
    if (amount < 0n) ensure(signatures.isSatisfied(row.key), Status.INVALID_SIGNATURE);
    ensure(row.balance + amount >= 0n, Status.INSUFFICIENT_ACCOUNT_BALANCE);
    hbarUpdates.push([account, row.balance + amount]);
  }
  const tokenUpdates: Array<[number, number, bigint]> = [];
  for (const { token, amounts } of tokenTransfers) {
    for (const [account, amount] of amounts) {
      const row = state.getAccount(account);
      ensure(row, Status.INVALID_ACCOUNT_ID);
      const balance = state.getTokenBalance(token.num, account);
      ensure(balance != null, Status.TOKEN_NOT_ASSOCIATED_TO_ACCOUNT);
      if (amount < 0n) ensure(signatures.isSatisfied(row.key), Status.INVALID_SIGNATURE);
      ensure(balance + amount >= 0n, Status.INSUFFICIENT_TOKEN_BALANCE);
      tokenUpdates.push([token.num, account, balance + amount]);
    }
  }
  for (const [account, balance] of hbarUpdates) state.setHbarBalance(account, balance);
  for (const [token, account, balance] of tokenUpdates) state.setTokenBalance(token, account, balance);
  return { status: Status.SUCCESS };
}

function createToken({ state, body, signatures }: HandleContext): proto.ITransactionReceipt {
  const op = body.tokenCreation ?? {};
  ensure(op.name, Status.MISSING_TOKEN_NAME);
  ensure(op.symbol, Status.MISSING_TOKEN_SYMBOL);
  ensure(
    (op.tokenType ?? proto.TokenType.FUNGIBLE_COMMON) === proto.TokenType.FUNGIBLE_COMMON,
    Status.NOT_SUPPORTED,
  );
  const treasuryNum = accountNum(op.treasury);
  const treasury = treasuryNum == null ? null : state.getAccount(treasuryNum);
  ensure(treasury, Status.INVALID_TREASURY_ACCOUNT_FOR_TOKEN);
  const decimals = op.decimals ?? 0;
  ensure(decimals >= 0 && decimals <= 18, Status.INVALID_TOKEN_DECIMALS);
  const initialSupply = toBigInt(op.initialSupply);
  ensure(initialSupply >= 0n, Status.INVALID_TOKEN_INITIAL_SUPPLY);
  const finite = op.supplyType === proto.TokenSupplyType.FINITE;
  const maxSupply = finite ? toBigInt(op.maxSupply) : 0n;
  ensure(!finite || maxSupply > 0n, Status.INVALID_TOKEN_MAX_SUPPLY);
  ensure(!finite || initialSupply <= maxSupply, Status.INVALID_TOKEN_INITIAL_SUPPLY);
  const adminKey = isUsableKey(op.adminKey) ? op.adminKey : null;
  const supplyKey = isUsableKey(op.supplyKey) ? op.supplyKey : null;
  ensure(signatures.isSatisfied(treasury.key), Status.INVALID_SIGNATURE);
  ensure(!adminKey || signatures.isSatisfied(adminKey), Status.INVALID_SIGNATURE);

  const num = state.allocateEntityNum();
  state.insertToken({
    num,
    name: op.name,
    symbol: op.symbol,
    decimals,
    treasuryNum: treasury.num,
    adminKey: adminKey ? encodeKey(adminKey) : null,
    supplyKey: supplyKey ? encodeKey(supplyKey) : null,
    totalSupply: initialSupply,
    maxSupply,
  });
  state.associate(num, treasury.num);
  state.setTokenBalance(num, treasury.num, initialSupply);
  return { status: Status.SUCCESS, tokenID: tokenIdProto(num) };
}

function mintToken({ state, body, signatures }: HandleContext): proto.ITransactionReceipt {
  const op = body.tokenMint ?? {};
  const id = tokenNum(op.token);
  const token = id == null ? null : state.getToken(id);
  ensure(token, Status.INVALID_TOKEN_ID);
  ensure(token.supplyKey, Status.TOKEN_HAS_NO_SUPPLY_KEY);
  ensure(signatures.isSatisfied(token.supplyKey), Status.INVALID_SIGNATURE);
  ensure(!op.metadata?.length, Status.NOT_SUPPORTED);
  const amount = toBigInt(op.amount);
  ensure(amount > 0n, Status.INVALID_TOKEN_MINT_AMOUNT);
  const totalSupply = token.totalSupply + amount;
  ensure(token.maxSupply === 0n || totalSupply <= token.maxSupply, Status.TOKEN_MAX_SUPPLY_REACHED);
  const treasuryBalance = state.getTokenBalance(token.num, token.treasuryNum) ?? 0n;
  state.setTotalSupply(token.num, totalSupply);
  state.setTokenBalance(token.num, token.treasuryNum, treasuryBalance + amount);
  return { status: Status.SUCCESS, newTotalSupply: int64(totalSupply), serialNumbers: [] };
}

function associateTokens({ state, body, signatures }: HandleContext): proto.ITransactionReceipt {
  const op = body.tokenAssociate ?? {};
  const id = accountNum(op.account);
  const account = id == null ? null : state.getAccount(id);
  ensure(account, Status.INVALID_ACCOUNT_ID);
  ensure(signatures.isSatisfied(account.key), Status.INVALID_SIGNATURE);
  const tokens = (op.tokens ?? []).map(tokenNum);
  ensure(new Set(tokens).size === tokens.length, Status.TOKEN_ID_REPEATED_IN_TOKEN_LIST);
  for (const token of tokens) {
    ensure(token != null && state.getToken(token), Status.INVALID_TOKEN_ID);
    ensure(state.getTokenBalance(token, account.num) == null, Status.TOKEN_ALREADY_ASSOCIATED_TO_ACCOUNT);
    state.associate(token, account.num);
  }
  return { status: Status.SUCCESS };
}
