import Database from 'better-sqlite3';

/** Consensus time in nanoseconds since the epoch. */
export type ConsensusNs = bigint;

export const NODE_ACCOUNT_NUM = 3;
export const OPERATOR_ACCOUNT_NUM = 2;
const FIRST_ENTITY_NUM = 1001;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
  num INTEGER PRIMARY KEY,
  key BLOB NOT NULL,
  balance INTEGER NOT NULL,
  memo TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS topics (
  num INTEGER PRIMARY KEY,
  memo TEXT NOT NULL,
  admin_key BLOB,
  submit_key BLOB,
  sequence_number INTEGER NOT NULL,
  running_hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS topic_messages (
  topic_num INTEGER NOT NULL,
  sequence_number INTEGER NOT NULL,
  consensus_ns INTEGER NOT NULL,
  message BLOB NOT NULL,
  running_hash BLOB NOT NULL,
  payer_num INTEGER NOT NULL,
  chunk_number INTEGER,
  chunk_total INTEGER,
  initial_tx_payer_num INTEGER,
  initial_tx_valid_start_ns INTEGER,
  initial_tx_nonce INTEGER,
  initial_tx_scheduled INTEGER,
  PRIMARY KEY (topic_num, sequence_number)
);
CREATE INDEX IF NOT EXISTS topic_messages_by_time ON topic_messages (topic_num, consensus_ns);
CREATE TABLE IF NOT EXISTS tokens (
  num INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  symbol TEXT NOT NULL,
  decimals INTEGER NOT NULL,
  treasury_num INTEGER NOT NULL,
  admin_key BLOB,
  supply_key BLOB,
  total_supply INTEGER NOT NULL,
  max_supply INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS token_relations (
  token_num INTEGER NOT NULL,
  account_num INTEGER NOT NULL,
  balance INTEGER NOT NULL,
  PRIMARY KEY (token_num, account_num)
);
CREATE TABLE IF NOT EXISTS transactions (
  transaction_id TEXT PRIMARY KEY,
  consensus_ns INTEGER NOT NULL,
  receipt BLOB NOT NULL
);
`;

export interface AccountRow {
  num: number;
  key: Uint8Array;
  balance: bigint;
}

export interface TopicRow {
  num: number;
  memo: string;
  adminKey: Uint8Array | null;
  submitKey: Uint8Array | null;
  sequenceNumber: number;
  runningHash: Uint8Array;
}

export interface TopicMessageRow {
  topicNum: number;
  sequenceNumber: number;
  consensusNs: ConsensusNs;
  message: Uint8Array;
  runningHash: Uint8Array;
  payerNum: number;
  chunk: {
    number: number;
    total: number;
    initialTransaction: { payerNum: number; validStartNs: bigint; nonce: number; scheduled: boolean };
  } | null;
}

export interface TokenRow {
  num: number;
  name: string;
  symbol: string;
  decimals: number;
  treasuryNum: number;
  adminKey: Uint8Array | null;
  supplyKey: Uint8Array | null;
  totalSupply: bigint;
  maxSupply: bigint;
}

export interface MessageFilter {
  sequenceNumber: Array<{ op: ComparisonOp; value: number }>;
  consensusNs: Array<{ op: ComparisonOp; value: bigint }>;
  order: 'asc' | 'desc';
  limit: number;
}

export type ComparisonOp = 'eq' | 'gt' | 'gte' | 'lt' | 'lte';
const SQL_OP: Record<ComparisonOp, string> = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' };

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v);
const big = (v: unknown): bigint => BigInt(v as bigint | number);
const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Buffer);
const maybeBytes = (v: unknown): Uint8Array | null => (v == null ? null : new Uint8Array(v as Buffer));

/**
 * The devnet's ledger state in SQLite. Integers are read as bigint (balances and consensus
 * nanoseconds exceed 2^53) and narrowed where they are entity or sequence numbers.
 */
export class LedgerState {
  readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.defaultSafeIntegers(true);
    this.db.exec(SCHEMA);
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** Prepared statements are cached: preparing costs more than running these small queries. */
  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      // Message filters build SQL from the request; keep the cache bounded.
      if (this.statements.size < 200) this.statements.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    this.db.close();
  }

  inTransaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  getMeta(key: string): string | null {
    const row = this.prepare('SELECT value FROM meta WHERE key = ?').get(key) as Row | undefined;
    return row ? String(row.value) : null;
  }

  setMeta(key: string, value: string): void {
    this.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }

  allocateEntityNum(): number {
    const next = Number(this.getMeta('next_entity_num') ?? FIRST_ENTITY_NUM);
    this.setMeta('next_entity_num', String(next + 1));
    return next;
  }

  lastConsensusNs(): ConsensusNs {
    const row = this.prepare('SELECT MAX(consensus_ns) AS last FROM transactions').get() as Row;
    return row.last == null ? 0n : big(row.last);
  }

  // accounts

  getAccount(accountNum: number): AccountRow | null {
    const row = this.prepare('SELECT num, key, balance FROM accounts WHERE num = ?').get(accountNum) as
      | Row
      | undefined;
    return row ? { num: num(row.num), key: bytes(row.key), balance: big(row.balance) } : null;
  }

  insertAccount(accountNum: number, key: Uint8Array, balance: bigint, memo = ''): void {
    this.prepare('INSERT INTO accounts (num, key, balance, memo) VALUES (?, ?, ?, ?)').run(
      accountNum,
      key,
      balance,
      memo,
    );
  }

  setHbarBalance(accountNum: number, balance: bigint): void {
    this.prepare('UPDATE accounts SET balance = ? WHERE num = ?').run(balance, accountNum);
  }

  // topics

  getTopic(topic: number): TopicRow | null {
    const row = this.prepare('SELECT * FROM topics WHERE num = ?').get(topic) as Row | undefined;
    if (!row) return null;
    return {
      num: num(row.num),
      memo: String(row.memo),
      adminKey: maybeBytes(row.admin_key),
      submitKey: maybeBytes(row.submit_key),
      sequenceNumber: num(row.sequence_number),
      runningHash: bytes(row.running_hash),
    };
  }

  insertTopic(topic: TopicRow): void {
    this.prepare(
      'INSERT INTO topics (num, memo, admin_key, submit_key, sequence_number, running_hash) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(topic.num, topic.memo, topic.adminKey, topic.submitKey, topic.sequenceNumber, topic.runningHash);
  }

  appendTopicMessage(message: TopicMessageRow): void {
    const chunk = message.chunk;
    this.prepare(
      `INSERT INTO topic_messages (topic_num, sequence_number, consensus_ns, message, running_hash, payer_num,
           chunk_number, chunk_total, initial_tx_payer_num, initial_tx_valid_start_ns, initial_tx_nonce, initial_tx_scheduled)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      message.topicNum,
      message.sequenceNumber,
      message.consensusNs,
      message.message,
      message.runningHash,
      message.payerNum,
      chunk?.number ?? null,
      chunk?.total ?? null,
      chunk?.initialTransaction.payerNum ?? null,
      chunk?.initialTransaction.validStartNs ?? null,
      chunk?.initialTransaction.nonce ?? null,
      chunk ? (chunk.initialTransaction.scheduled ? 1 : 0) : null,
    );
    this.prepare('UPDATE topics SET sequence_number = ?, running_hash = ? WHERE num = ?').run(
      message.sequenceNumber,
      message.runningHash,
      message.topicNum,
    );
  }

  listTopicMessages(topic: number, filter: MessageFilter): TopicMessageRow[] {
    const where = ['topic_num = ?'];
    const params: Array<number | bigint> = [topic];
    for (const { op, value } of filter.sequenceNumber) {
      where.push(`sequence_number ${SQL_OP[op]} ?`);
      params.push(value);
    }
    for (const { op, value } of filter.consensusNs) {
      where.push(`consensus_ns ${SQL_OP[op]} ?`);
      params.push(value);
    }
    const direction = filter.order === 'desc' ? 'DESC' : 'ASC';
    const rows = this.prepare(
      `SELECT * FROM topic_messages WHERE ${where.join(' AND ')} ORDER BY sequence_number ${direction} LIMIT ?`,
    ).all(...params, filter.limit) as Row[];
    return rows.map(toTopicMessage);
  }

  getTopicMessage(topic: number, sequenceNumber: number): TopicMessageRow | null {
    const row = this.prepare('SELECT * FROM topic_messages WHERE topic_num = ? AND sequence_number = ?').get(
      topic,
      sequenceNumber,
    ) as Row | undefined;
    return row ? toTopicMessage(row) : null;
  }

  // tokens

  getToken(token: number): TokenRow | null {
    const row = this.prepare('SELECT * FROM tokens WHERE num = ?').get(token) as Row | undefined;
    if (!row) return null;
    return {
      num: num(row.num),
      name: String(row.name),
      symbol: String(row.symbol),
      decimals: num(row.decimals),
      treasuryNum: num(row.treasury_num),
      adminKey: maybeBytes(row.admin_key),
      supplyKey: maybeBytes(row.supply_key),
      totalSupply: big(row.total_supply),
      maxSupply: big(row.max_supply),
    };
  }

  insertToken(token: TokenRow): void {
    this.prepare(
      `INSERT INTO tokens (num, name, symbol, decimals, treasury_num, admin_key, supply_key, total_supply, max_supply)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      token.num,
      token.name,
      token.symbol,
      token.decimals,
      token.treasuryNum,
      token.adminKey,
      token.supplyKey,
      token.totalSupply,
      token.maxSupply,
    );
  }

  setTotalSupply(token: number, totalSupply: bigint): void {
    this.prepare('UPDATE tokens SET total_supply = ? WHERE num = ?').run(totalSupply, token);
  }

  /** The account's balance of the token, or null when the account is not associated with it. */
  getTokenBalance(token: number, account: number): bigint | null {
    const row = this.prepare(
      'SELECT balance FROM token_relations WHERE token_num = ? AND account_num = ?',
    ).get(token, account) as Row | undefined;
    return row ? big(row.balance) : null;
  }

  associate(token: number, account: number): void {
    this.prepare('INSERT INTO token_relations (token_num, account_num, balance) VALUES (?, ?, 0)').run(
      token,
      account,
    );
  }

  setTokenBalance(token: number, account: number, balance: bigint): void {
    this.prepare('UPDATE token_relations SET balance = ? WHERE token_num = ? AND account_num = ?').run(
      balance,
      token,
      account,
    );
  }

  tokenBalancesOfAccount(account: number): Array<{ token: TokenRow; balance: bigint }> {
    const rows = this.prepare(
      'SELECT token_num, balance FROM token_relations WHERE account_num = ? ORDER BY token_num',
    ).all(account) as Row[];
    return rows.flatMap((row) => {
      const token = this.getToken(num(row.token_num));
      return token ? [{ token, balance: big(row.balance) }] : [];
    });
  }

  balancesOfToken(token: number): Array<{ accountNum: number; balance: bigint }> {
    const rows = this.prepare(
      'SELECT account_num, balance FROM token_relations WHERE token_num = ? ORDER BY account_num',
    ).all(token) as Row[];
    return rows.map((row) => ({ accountNum: num(row.account_num), balance: big(row.balance) }));
  }

  // transactions

  getReceipt(transactionId: string): Uint8Array | null {
    const row = this.prepare('SELECT receipt FROM transactions WHERE transaction_id = ?').get(
      transactionId,
    ) as Row | undefined;
    return row ? bytes(row.receipt) : null;
  }

  /** Transactions in consensus order, for the mirror's `/api/v1/transactions`; `atMostNs` hides later ones. */
  listTransactions(options: {
    order: 'asc' | 'desc';
    limit: number;
    atMostNs?: ConsensusNs;
    transactionId?: string;
  }): { transactionId: string; consensusNs: ConsensusNs; receipt: Uint8Array }[] {
    const where: string[] = [];
    const params: (string | bigint | number)[] = [];
    if (options.atMostNs !== undefined) {
      where.push('consensus_ns <= ?');
      params.push(options.atMostNs);
    }
    if (options.transactionId !== undefined) {
      where.push('transaction_id = ?');
      params.push(options.transactionId);
    }
    const rows = this.prepare(
      `SELECT transaction_id, consensus_ns, receipt FROM transactions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY consensus_ns ${options.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ?`,
    ).all(...params, options.limit) as Row[];
    return rows.map((row) => ({
      transactionId: String(row.transaction_id),
      consensusNs: big(row.consensus_ns),
      receipt: bytes(row.receipt),
    }));
  }

  recordTransaction(transactionId: string, consensusNs: ConsensusNs, receipt: Uint8Array): void {
    this.prepare('INSERT INTO transactions (transaction_id, consensus_ns, receipt) VALUES (?, ?, ?)').run(
      transactionId,
      consensusNs,
      receipt,
    );
  }
}

function toTopicMessage(row: Row): TopicMessageRow {
  return {
    topicNum: num(row.topic_num),
    sequenceNumber: num(row.sequence_number),
    consensusNs: big(row.consensus_ns),
    message: bytes(row.message),
    runningHash: bytes(row.running_hash),
    payerNum: num(row.payer_num),
    chunk:
      row.chunk_number == null
        ? null
        : {
            number: num(row.chunk_number),
            total: num(row.chunk_total),
            initialTransaction: {
              payerNum: num(row.initial_tx_payer_num),
              validStartNs: big(row.initial_tx_valid_start_ns),
              nonce: num(row.initial_tx_nonce),
              scheduled: num(row.initial_tx_scheduled) === 1,
            },
          },
  };
}
