import { proto } from '@hashgraph/proto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { formatEntityId, parseEntityId } from './entity-id.ts';
import { RUNNING_HASH_VERSION } from './running-hash.ts';
import type { ComparisonOp, LedgerState, MessageFilter, TopicMessageRow } from './state.ts';
import { formatTimestamp } from './transaction-id.ts';

const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 100;
const OPS: readonly ComparisonOp[] = ['eq', 'gt', 'gte', 'lt', 'lte'];
const MESSAGE_PARAMS = new Set(['limit', 'order', 'sequencenumber', 'timestamp', 'encoding']);

type Query = Record<string, string | string[] | undefined>;

class BadRequest extends Error {}

const errorBody = (message: string) => ({ _status: { messages: [{ message }] } });

function notFound(reply: FastifyReply) {
  return reply.code(404).send(errorBody('Not found'));
}

const values = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function single(query: Query, name: string): string | undefined {
  const all = values(query[name]);
  if (all.length > 1) throw new BadRequest(`Invalid parameter: ${name}`);
  return all[0];
}

/** `op:value` or a bare value (eq), as the mirror node reads its filter parameters. */
function parseComparisons<T>(query: Query, name: string, parseValue: (text: string) => T | null) {
  return values(query[name]).map((raw) => {
    const [first, second] = raw.split(':', 2);
    const op = (second === undefined ? 'eq' : first) as ComparisonOp;
    const value = parseValue(second === undefined ? raw : (second ?? ''));
    if (!OPS.includes(op) || value === null) throw new BadRequest(`Invalid parameter: ${name}`);
    return { op, value };
  });
}

function parseSequenceNumber(text: string): number | null {
  if (!/^\d{1,15}$/.test(text)) return null;
  return Number(text);
}

function parseTimestampNs(text: string): bigint | null {
  const match = /^(\d{1,17})(?:\.(\d{1,9}))?$/.exec(text);
  if (!match) return null;
  return BigInt(match[1] ?? '0') * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

function parseMessageFilter(query: Query): MessageFilter & { encoding: 'base64' | 'utf-8' } {
  for (const name of Object.keys(query)) {
    if (!MESSAGE_PARAMS.has(name)) throw new BadRequest(`Unknown query parameter: ${name}`);
  }
  const limitText = single(query, 'limit');
  let limit = DEFAULT_LIMIT;
  if (limitText !== undefined) {
    if (!/^\d{1,9}$/.test(limitText) || Number(limitText) < 1)
      throw new BadRequest('Invalid parameter: limit');
    limit = Math.min(Number(limitText), MAX_LIMIT);
  }
  const order = single(query, 'order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw new BadRequest('Invalid parameter: order');
  const encoding = (single(query, 'encoding') ?? 'base64').toLowerCase();
  if (encoding !== 'base64' && encoding !== 'utf-8') throw new BadRequest('Invalid parameter: encoding');
  return {
    limit,
    order,
    encoding,
    sequenceNumber: parseComparisons(query, 'sequencenumber', parseSequenceNumber),
    consensusNs: parseComparisons(query, 'timestamp', parseTimestampNs),
  };
}

function toMirrorMessage(row: TopicMessageRow, encoding: 'base64' | 'utf-8') {
  const chunk = row.chunk;
  return {
    chunk_info: chunk
      ? {
          initial_transaction_id: {
            account_id: formatEntityId(chunk.initialTransaction.payerNum),
            nonce: chunk.initialTransaction.nonce,
            scheduled: chunk.initialTransaction.scheduled,
            transaction_valid_start: formatTimestamp(chunk.initialTransaction.validStartNs),
          },
          number: chunk.number,
          total: chunk.total,
        }
      : null,
    consensus_timestamp: formatTimestamp(row.consensusNs),
    message: Buffer.from(row.message).toString(encoding === 'utf-8' ? 'utf8' : 'base64'),
    payer_account_id: formatEntityId(row.payerNum),
    running_hash: Buffer.from(row.runningHash).toString('base64'),
    running_hash_version: RUNNING_HASH_VERSION,
    sequence_number: row.sequenceNumber,
    topic_id: formatEntityId(row.topicNum),
  };
}

/** The next page: the same query with the sequence bound moved past the last message returned. */
function nextLink(topicNum: number, query: Query, order: 'asc' | 'desc', last: TopicMessageRow): string {
  const params = new URLSearchParams();
  const movingOps = order === 'asc' ? ['gt', 'gte', 'eq'] : ['lt', 'lte', 'eq'];
  for (const [name, value] of Object.entries(query)) {
    for (const item of values(value)) {
      const op = item.includes(':') ? item.split(':', 1)[0] : 'eq';
      if (name === 'sequencenumber' && movingOps.includes(op ?? '')) continue;
      params.append(name, item);
    }
  }
  params.append('sequencenumber', `${order === 'asc' ? 'gt' : 'lt'}:${last.sequenceNumber}`);
  return `/api/v1/topics/${formatEntityId(topicNum)}/messages?${params.toString().replaceAll('%3A', ':')}`;
}

/** How far the mirror has caught up: with `heldAtNs` set, no transaction after it is shown (a lagging mirror). */
export interface MirrorLag {
  heldAtNs: bigint | null;
}

/** `0.0.2@1700000000.000000001` (with `?scheduled` or `/nonce`) as the mirror writes it: `0.0.2-1700000000-000000001`. */
function mirrorTransactionId(key: string): {
  id: string;
  nonce: number;
  scheduled: boolean;
  validStart: string;
} {
  const [base = '', nonce] = key.split('/');
  const scheduled = base.endsWith('?scheduled');
  const [account = '', start = ''] = base.replace('?scheduled', '').split('@');
  const [seconds = '0', nanos = '0'] = start.split('.');
  return { id: `${account}-${seconds}-${nanos}`, nonce: Number(nonce ?? 0), scheduled, validStart: start };
}

function toMirrorTransaction(row: { transactionId: string; consensusNs: bigint; receipt: Uint8Array }) {
  const { id, nonce, scheduled, validStart } = mirrorTransactionId(row.transactionId);
  const status = proto.TransactionReceipt.decode(row.receipt).status ?? 0;
  return {
    consensus_timestamp: formatTimestamp(row.consensusNs),
    nonce,
    result: proto.ResponseCodeEnum[status] ?? String(status),
    scheduled,
    transaction_id: id,
    valid_start_timestamp: validStart,
  };
}

/** A mirror node REST API (the subset the project reads) over the devnet's state. */
export function buildMirrorServer(state: LedgerState, lag: MirrorLag = { heldAtNs: null }): FastifyInstance {
  const app = Fastify({ logger: false });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof BadRequest) return reply.code(400).send(errorBody(error.message));
    return reply.code(500).send(errorBody('Internal error'));
  });
  app.setNotFoundHandler((_request, reply) => notFound(reply));

  app.get<{ Params: { topicId: string }; Querystring: Query }>(
    '/api/v1/topics/:topicId/messages',
    (request, reply) => {
      const topicNum = parseEntityId(request.params.topicId);
      if (topicNum === null) throw new BadRequest('Invalid parameter: topic.id');
      const filter = parseMessageFilter(request.query);
      if (!state.getTopic(topicNum)) return notFound(reply);
      const rows = state.listTopicMessages(topicNum, filter);
      const last = rows.at(-1);
      return {
        messages: rows.map((row) => toMirrorMessage(row, filter.encoding)),
        links: {
          next:
            last && rows.length === filter.limit
              ? nextLink(topicNum, request.query, filter.order, last)
              : null,
        },
      };
    },
  );

  app.get<{ Params: { topicId: string; sequenceNumber: string } }>(
    '/api/v1/topics/:topicId/messages/:sequenceNumber',
    (request, reply) => {
      const topicNum = parseEntityId(request.params.topicId);
      if (topicNum === null) throw new BadRequest('Invalid parameter: topic.id');
      const sequenceNumber = parseSequenceNumber(request.params.sequenceNumber);
      if (sequenceNumber === null || sequenceNumber < 1)
        throw new BadRequest('Invalid parameter: sequencenumber');
      const row = state.getTopicMessage(topicNum, sequenceNumber);
      return row ? toMirrorMessage(row, 'base64') : notFound(reply);
    },
  );

  const shown = () => (lag.heldAtNs === null ? {} : { atMostNs: lag.heldAtNs });

  app.get<{ Querystring: Query }>('/api/v1/transactions', (request) => {
    for (const name of Object.keys(request.query)) {
      if (name !== 'limit' && name !== 'order') throw new BadRequest(`Unknown query parameter: ${name}`);
    }
    const limitText = single(request.query, 'limit') ?? String(DEFAULT_LIMIT);
    if (!/^\d{1,9}$/.test(limitText) || Number(limitText) < 1)
      throw new BadRequest('Invalid parameter: limit');
    const order = single(request.query, 'order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw new BadRequest('Invalid parameter: order');
    const rows = state.listTransactions({ order, limit: Math.min(Number(limitText), MAX_LIMIT), ...shown() });
    return { transactions: rows.map(toMirrorTransaction), links: { next: null } };
  });

  app.get<{ Params: { transactionId: string } }>('/api/v1/transactions/:transactionId', (request, reply) => {
    const match = /^(\d+\.\d+\.\d+)-(\d{1,19})-(\d{1,9})$/.exec(request.params.transactionId);
    if (!match) throw new BadRequest('Invalid parameter: transactionId');
    const key = `${match[1]}@${match[2]}.${(match[3] ?? '').padStart(9, '0')}`;
    const rows = state.listTransactions({ order: 'asc', limit: 1, transactionId: key, ...shown() });
    return rows.length > 0 ? { transactions: rows.map(toMirrorTransaction) } : notFound(reply);
  });

  app.get<{ Params: { accountId: string } }>('/api/v1/accounts/:accountId/tokens', (request, reply) => {
    const account = parseEntityId(request.params.accountId);
    if (account === null) throw new BadRequest('Invalid parameter: idOrAliasOrEvmAddress');
    if (!state.getAccount(account)) return notFound(reply);
    return {
      tokens: state.tokenBalancesOfAccount(account).map(({ token, balance }) => ({
        automatic_association: false,
        balance: Number(balance),
        decimals: token.decimals,
        freeze_status: 'NOT_APPLICABLE',
        kyc_status: 'NOT_APPLICABLE',
        token_id: formatEntityId(token.num),
      })),
      links: { next: null },
    };
  });

  app.get<{ Params: { tokenId: string } }>('/api/v1/tokens/:tokenId/balances', (request, reply) => {
    const token = parseEntityId(request.params.tokenId);
    if (token === null) throw new BadRequest('Invalid parameter: token.id');
    const row = state.getToken(token);
    if (!row) return notFound(reply);
    return {
      timestamp: formatTimestamp(state.lastConsensusNs()),
      balances: state.balancesOfToken(token).map(({ accountNum, balance }) => ({
        account: formatEntityId(accountNum),
        balance: Number(balance),
        decimals: row.decimals,
      })),
      links: { next: null },
    };
  });

  return app;
}
