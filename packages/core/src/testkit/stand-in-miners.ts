import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createConnection, type Socket } from 'node:net';
import { freePort } from '../vms/local/free-port.ts';

/** How one stand-in miner answers `POST {prompt}`. */
export type StandInBehaviour =
  | { kind: 'correct' }
  | { kind: 'wrong' }
  /** Answers after `ms` (correct unless `answer: 'wrong'`). */
  | { kind: 'slow'; ms: number; answer?: 'correct' | 'wrong' }
  /** Reads the request and never answers. */
  | { kind: 'silent' }
  /** Sends headers, then one byte every `intervalMs` (default 1000) forever. */
  | { kind: 'trickle'; intervalMs?: number }
  /** Streams `bytes` (default 50 MB) of a JSON answer, chunked, honouring backpressure. */
  | { kind: 'huge'; bytes?: number }
  /** Resets the TCP connection after reading the request. */
  | { kind: 'reset' }
  | { kind: 'http_error'; status?: number }
  | { kind: 'invalid_json' }
  /** 302 to a path on the same server that counts its hits (`redirectHits`). */
  | { kind: 'redirect' }
  | { kind: 'plain_text' }
  | { kind: 'openai' }
  /** Ollama chat shape `{message:{content}}`. */
  | { kind: 'chat' }
  /** Nothing listens: the endpoint refuses connections. */
  | { kind: 'refused' }
  /** Answers this text, after `ms` when given (copy-group tests: two miners, one text). */
  | { kind: 'text'; answer: string; ms?: number }
  /** A relay: forwards the prompt to the miner at `to` (its endpoint) and returns that miner's answer. */
  | { kind: 'relay'; to: string };

export interface StandInMinersOptions {
  behaviours: readonly StandInBehaviour[];
  correctAnswer: string;
  wrongAnswer?: string;
  /**
   * `ports`: one server per miner (distinct origins, like real miners). `paths`: one server for
   * all, miner `i` at `/m/<i>/api/chat` — one listening socket, so 10,000 miners fit any fd limit.
   */
  layout?: 'ports' | 'paths';
  /** Listen backlog; raise it when many miners are dialled at once. */
  backlog?: number;
  /**
   * `ports` layout: miner `i` listens on `firstPort + i` instead of a port the kernel picks. A
   * benchmark keeps thousands of listeners out of the ephemeral range its own connections draw
   * their local ports from, where they would make every connect() search further for a free port.
   * A port that is taken already is replaced by one the kernel picks.
   */
  firstPort?: number;
}

export interface StandInMiners {
  miners: { vmId: string; endpoint: string }[];
  /** Requests each miner received. */
  hits: number[];
  /** The prompt each miner last received. */
  prompts: (string | undefined)[];
  /** Requests that followed a redirect. */
  redirectHits(): number;
  close(): Promise<void>;
}

const HUGE_CHUNK = Buffer.alloc(64 * 1024, 'a');

export async function startStandInMiners(options: StandInMinersOptions): Promise<StandInMiners> {
  const {
    behaviours,
    correctAnswer,
    wrongAnswer = 'I do not know',
    layout = 'ports',
    backlog = 511,
    firstPort,
  } = options;
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const hits = behaviours.map(() => 0);
  const prompts: (string | undefined)[] = behaviours.map(() => undefined);
  let redirected = 0;

  const answerText = (b: StandInBehaviour) =>
    b.kind === 'wrong' || (b.kind === 'slow' && b.answer === 'wrong') ? wrongAnswer : correctAnswer;

  const later = (ms: number, res: ServerResponse, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  };

  const behave = (b: StandInBehaviour, req: IncomingMessage, res: ServerResponse, prompt?: string) => {
    const json = (status: number, value: unknown) => {
      const payload = JSON.stringify(value);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      });
      res.end(payload);
    };
    switch (b.kind) {
      case 'correct':
      case 'wrong':
        return json(200, { response: answerText(b) });
      case 'slow':
        return later(b.ms, res, () => json(200, { response: answerText(b) }));
      case 'text':
        return later(b.ms ?? 0, res, () => json(200, { response: b.answer }));
      case 'relay':
        return void fetch(b.to, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt }),
        })
          .then((r) => r.json() as Promise<{ response?: string }>)
          .then(
            (body) => json(200, { response: body.response }),
            () => json(502, { error: 'relay source unreachable' }),
          );
      case 'silent':
        return;
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const interval = setInterval(() => res.write(' '), b.intervalMs ?? 1000);
        timers.add(interval);
        res.on('close', () => {
          clearInterval(interval);
          timers.delete(interval);
        });
        return;
      }
      case 'huge':
        return streamHuge(res, b.bytes ?? 50 * 1024 * 1024);
      case 'reset':
        return req.socket.resetAndDestroy();
      case 'http_error':
        return json(b.status ?? 500, { error: 'internal error' });
      case 'invalid_json':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"response": "42"');
      case 'redirect':
        res.writeHead(302, { location: '/redirected' });
        return res.end();
      case 'plain_text':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return res.end(correctAnswer);
      case 'openai':
        return json(200, {
          id: 'chatcmpl-standin',
          object: 'chat.completion',
          choices: [
            { index: 0, message: { role: 'assistant', content: correctAnswer }, finish_reason: 'stop' },
          ],
        });
      case 'chat':
        return json(200, {
          model: 'standin',
          message: { role: 'assistant', content: correctAnswer },
          done: true,
        });
      case 'refused':
        return json(500, { error: 'unreachable stand-in answered' });
    }
  };

  const handle = (index: number | undefined, req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/redirected') {
      redirected++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ response: correctAnswer }));
      return;
    }
    const b = index === undefined ? undefined : behaviours[index];
    if (index === undefined || !b || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits[index] = (hits[index] ?? 0) + 1;
      try {
        prompts[index] = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { prompt?: string }).prompt;
      } catch {
        prompts[index] = undefined;
      }
      behave(b, req, res, prompts[index]);
    });
  };

  const listen = async (
    onRequest: (req: IncomingMessage, res: ServerResponse) => void,
    port = 0,
  ): Promise<number> => {
    const server = createServer({ requestTimeout: 0 }, onRequest);
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    servers.push(server);
    const bind = (p: number) =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: p, host: '127.0.0.1', backlog }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    // A wanted port something else holds is given up for one the kernel picks.
    await bind(port).catch((error: NodeJS.ErrnoException) => {
      if (port === 0 || error.code !== 'EADDRINUSE') throw error;
      return bind(0);
    });
    return (server.address() as AddressInfo).port;
  };

  const miners: StandInMiners['miners'] = [];
  const close = async () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };

  try {
    const closedPort = behaviours.some((b) => b.kind === 'refused') ? await freePort() : 0;
    if (layout === 'paths') {
      const port = await listen((req, res) => {
        const match = /^\/m\/(\d+)\/api\/chat$/.exec(req.url ?? '');
        handle(match ? Number(match[1]) : undefined, req, res);
      });
      behaviours.forEach((b, i) => {
        const p = b.kind === 'refused' ? closedPort : port;
        miners.push({ vmId: `standin-${i}`, endpoint: `http://127.0.0.1:${p}/m/${i}/api/chat` });
      });
    } else {
      for (const [i, b] of behaviours.entries()) {
        const port =
          b.kind === 'refused'
            ? closedPort
            : await listen((req, res) => handle(i, req, res), firstPort === undefined ? 0 : firstPort + i);
        miners.push({ vmId: `standin-${i}`, endpoint: `http://127.0.0.1:${port}/api/chat` });
      }
    }
  } catch (error) {
    await close();
    throw error;
  }

  return { miners, hits, prompts, redirectHits: () => redirected, close };
}

function streamHuge(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"response":"');
  let sent = 0;
  const pump = () => {
    while (sent < bytes && !res.destroyed) {
      sent += HUGE_CHUNK.length;
      if (!res.write(HUGE_CHUNK)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end('"}');
  };
  pump();
}

export interface UnresponsiveListener {
  /** An endpoint whose TCP connect never completes: the SYN is dropped. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A miner whose machine is up but swamped: a listening socket whose process never accepts, with its
 * accept queue full, so the kernel drops new SYNs and a connect hangs (the client retransmits for
 * minutes) — what a validator sees of an overloaded or firewalled VM. The listener lives in a child
 * process whose event loop is blocked, and filler connections fill its queue.
 */
export async function startUnresponsiveListener(): Promise<UnresponsiveListener> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:net').createServer();
       s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         process.stdout.write(String(s.address().port) + '\\n', () =>
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
  });
  const fillers: Socket[] = [];
  const close = async () => {
    for (const socket of fillers) socket.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    // Fill the accept queue: connections complete until it is full, then a SYN gets no answer.
    for (;;) {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.on('error', () => {});
      fillers.push(socket);
      const connected = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 300);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!connected) break;
      if (fillers.length > 16) throw new Error('the listener keeps accepting connections');
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint: `http://127.0.0.1:${port}/api/chat`, close };
}
