import { type Dispatcher, request } from 'undici';
import { InvalidInputError, UpstreamError } from '../errors.ts';
import { readBoundedText } from '../upstream-body.ts';
import type { MessagePage, MirrorTopicRecord, TopicMessage } from './ledger.ts';

const PAGE_LIMIT = 100;

/** A `next` link the mirror gave for this topic's messages: that path, then plain query parameters only. */
export function isCursorFor(topicId: string, cursor: string): boolean {
  const prefix = `/api/v1/topics/${topicId}/messages?`;
  return cursor.startsWith(prefix) && /^[\w=&:.%-]*$/.test(cursor.slice(prefix.length));
}

/** How far back (in pages) a last chunk's earlier chunks are looked for. */
const MAX_CHUNK_LOOKBACK_PAGES = 5;

interface MirrorMessage {
  topic_id: string;
  sequence_number: number;
  consensus_timestamp: string;
  payer_account_id: string;
  running_hash: string;
  running_hash_version: number;
  message: string;
  chunk_info: {
    number: number;
    total: number;
    initial_transaction_id: { account_id: string; transaction_valid_start: string; nonce?: number };
  } | null;
}

interface MirrorPage {
  messages: MirrorMessage[];
  links?: { next: string | null };
}

export interface MirrorClient {
  page(
    topicId: string,
    options: { limit?: number; order?: 'asc' | 'desc'; cursor?: string },
  ): Promise<MessagePage>;
  message(topicId: string, sequenceNumber: number): Promise<TopicMessage | null>;
  records(topicId: string, from: number, to: number): Promise<MirrorTopicRecord[]>;
  findByTransactionId(topicId: string, transactionId: string, since: Date): Promise<TopicMessage | null>;
  /** The transaction's result as the mirror recorded it (`/api/v1/transactions/{id}`); null when it has none. Throws when unreachable. */
  transactionResult(transactionId: string): Promise<string | null>;
  /**
   * The consensus time (`seconds.nanoseconds`) of the newest transaction the mirror has imported;
   * null when it shows none. How far its history reaches: a 404 means "never" only up to here.
   */
  latestConsensusTimestamp(): Promise<string | null>;
}

/** `0.0.2@1700000000.000000001` from the mirror's chunk info. */
function formatInitialId(id: NonNullable<MirrorMessage['chunk_info']>['initial_transaction_id']): string {
  const [seconds, nanos = '0'] = id.transaction_valid_start.split('.');
  return `${id.account_id}@${seconds}.${nanos.padEnd(9, '0')}`;
}

function toRecord(m: MirrorMessage): MirrorTopicRecord {
  return {
    topicId: m.topic_id,
    sequenceNumber: m.sequence_number,
    consensusTimestamp: m.consensus_timestamp,
    payerAccountId: m.payer_account_id,
    runningHash: Buffer.from(m.running_hash, 'base64').toString('hex'),
    runningHashVersion: m.running_hash_version,
    message: new Uint8Array(Buffer.from(m.message, 'base64')),
    chunk: m.chunk_info
      ? {
          number: m.chunk_info.number,
          total: m.chunk_info.total,
          initialTransactionId: formatInitialId(m.chunk_info.initial_transaction_id),
        }
      : null,
  };
}

function assemble(last: MirrorTopicRecord, earlier: MirrorTopicRecord[]): TopicMessage {
  const parts = [...earlier, last];
  const total = last.chunk?.total ?? 1;
  return {
    topicId: last.topicId,
    sequenceNumber: last.sequenceNumber,
    chunkSequenceNumbers: parts.map((p) => p.sequenceNumber),
    consensusTimestamp: last.consensusTimestamp,
    payerAccountId: last.payerAccountId,
    runningHash: last.runningHash,
    runningHashVersion: last.runningHashVersion,
    transactionId: last.chunk?.initialTransactionId ?? null,
    message: new Uint8Array(Buffer.concat(parts.map((p) => p.message))),
    incomplete: parts.length !== total,
  };
}

/** Mirror node REST reads (`/api/v1/topics/{id}/messages`) with our own HTTP client. */
export function createMirrorClient(
  baseUrl: string,
  options: { dispatcher?: Dispatcher; timeoutMs?: number; maxBodyBytes?: number } = {},
): MirrorClient {
  const base = baseUrl.replace(/\/+$/, '');
  // One deadline for the whole read, headers and body: a mirror that drips bytes must not hold a call.
  const timeoutMs = options.timeoutMs ?? 10_000;
  // A page is 100 messages of at most ~1 KB each (base64); anything near this is not a mirror page.
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;

  function transportError(error: unknown): UpstreamError {
    if (error instanceof UpstreamError) return error;
    const timeout = error instanceof Error && /timeout|abort/i.test(error.name + error.message);
    const message = timeout
      ? `no complete answer within ${timeoutMs} ms`
      : `request failed: ${(error as Error).message}`;
    return new UpstreamError('hedera mirror', message, { cause: error, timeout });
  }

  async function getJson<T>(pathAndQuery: string): Promise<T | null> {
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      response = await request(`${base}${pathAndQuery}`, {
        method: 'GET',
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      });
      if (response.statusCode === 404) {
        await response.body.dump();
        return null;
      }
      text = await readBoundedText(response.body, maxBodyBytes, 'hedera mirror');
    } catch (error) {
      throw transportError(error);
    }
    if (response.statusCode >= 400) {
      throw new UpstreamError('hedera mirror', `HTTP ${response.statusCode}: ${text.slice(0, 200)}`, {
        status: response.statusCode,
      });
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new UpstreamError(
        'hedera mirror',
        `answered HTTP ${response.statusCode} with a body that is not JSON`,
        {
          cause: error,
        },
      );
    }
  }

  async function rawPage(path: string): Promise<{ records: MirrorTopicRecord[]; next: string | null }> {
    const page = await getJson<MirrorPage>(path);
    if (!page) return { records: [], next: null };
    return { records: page.messages.map(toRecord), next: page.links?.next ?? null };
  }

  /** Earlier chunks of `last` (same initial transaction id), looking backwards from it. */
  async function earlierChunks(
    last: MirrorTopicRecord,
    known: Map<number, MirrorTopicRecord>,
  ): Promise<MirrorTopicRecord[]> {
    const chunk = last.chunk;
    if (!chunk || chunk.total <= 1) return [];
    const found = new Map<number, MirrorTopicRecord>();
    const take = (r: MirrorTopicRecord) => {
      if (r.chunk?.initialTransactionId === chunk.initialTransactionId && r.chunk.number < chunk.number) {
        found.set(r.chunk.number, r);
      }
    };
    for (const r of known.values()) if (r.sequenceNumber < last.sequenceNumber) take(r);
    let path: string | null =
      `/api/v1/topics/${last.topicId}/messages?sequencenumber=lt:${last.sequenceNumber}&order=desc&limit=${PAGE_LIMIT}`;
    for (let pages = 0; path && found.size < chunk.number - 1 && pages < MAX_CHUNK_LOOKBACK_PAGES; pages++) {
      const { records, next } = await rawPage(path);
      records.forEach(take);
      path = next;
    }
    return [...found.values()].sort((a, b) => a.sequenceNumber - b.sequenceNumber);
  }

  const client: MirrorClient = {
    async page(topicId, { limit = 25, order = 'asc', cursor }) {
      const path =
        cursor ?? `/api/v1/topics/${topicId}/messages?limit=${Math.min(limit, PAGE_LIMIT)}&order=${order}`;
      if (cursor !== undefined && !isCursorFor(topicId, cursor)) {
        throw new InvalidInputError('cursor', 'is not a cursor this API returned for the score topic');
      }
      const { records, next } = await rawPage(path);
      const known = new Map(records.map((r) => [r.sequenceNumber, r]));
      const messages: TopicMessage[] = [];
      for (const record of records) {
        // A chunked message is listed once, at its last chunk.
        if (record.chunk && record.chunk.number !== record.chunk.total) continue;
        messages.push(assemble(record, await earlierChunks(record, known)));
      }
      return { messages, next };
    },

    async message(topicId, sequenceNumber) {
      const raw = await getJson<MirrorMessage>(`/api/v1/topics/${topicId}/messages/${sequenceNumber}`);
      if (!raw) return null;
      const record = toRecord(raw);
      return assemble(record, await earlierChunks(record, new Map()));
    },

    async records(topicId, from, to) {
      const out: MirrorTopicRecord[] = [];
      let path: string | null =
        `/api/v1/topics/${topicId}/messages?sequencenumber=gte:${from}&sequencenumber=lte:${to}&order=asc&limit=${PAGE_LIMIT}`;
      while (path) {
        const { records, next } = await rawPage(path);
        out.push(...records);
        path = records.length === 0 ? null : next;
      }
      return out;
    },

    async findByTransactionId(topicId, transactionId, since) {
      const seconds = Math.floor(since.getTime() / 1000);
      let path: string | null =
        `/api/v1/topics/${topicId}/messages?timestamp=gte:${seconds}.000000000&order=asc&limit=${PAGE_LIMIT}`;
      const known = new Map<number, MirrorTopicRecord>();
      while (path) {
        const { records, next } = await rawPage(path);
        for (const r of records) {
          known.set(r.sequenceNumber, r);
          if (r.chunk?.initialTransactionId === transactionId && r.chunk.number === r.chunk.total) {
            return assemble(r, await earlierChunks(r, known));
          }
        }
        path = records.length === 0 ? null : next;
      }
      return null;
    },

    async transactionResult(transactionId) {
      // Mirror form: 0.0.2-1700000000-000000001
      const [account, start = ''] = transactionId.split('@');
      const [seconds, nanos = '0'] = start.split('.');
      const body = await getJson<{ transactions?: { result: string; nonce?: number }[] }>(
        `/api/v1/transactions/${account}-${seconds}-${nanos.padEnd(9, '0')}`,
      );
      const first = body?.transactions?.find((t) => (t.nonce ?? 0) === 0);
      return first?.result ?? null;
    },

    async latestConsensusTimestamp() {
      const body = await getJson<{ transactions?: { consensus_timestamp?: string }[] }>(
        '/api/v1/transactions?limit=1&order=desc',
      );
      const latest = body?.transactions?.[0]?.consensus_timestamp;
      return typeof latest === 'string' && /^\d+\.\d{1,9}$/.test(latest) ? latest : null;
    },
  };
  return client;
}
