import type { Server as GrpcServer } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { lockChain } from './chain-lock.ts';
import { formatEntityId } from './entity-id.ts';
import { type Fault, FaultSwitch } from './faults.ts';
import { buildGrpcServer, listenGrpc } from './grpc-server.ts';
import { encodeEd25519Key, generateEd25519, keyFromPublicKeyHex } from './keys.ts';
import { buildMirrorServer } from './mirror.ts';
import { LedgerState, NODE_ACCOUNT_NUM, OPERATOR_ACCOUNT_NUM } from './state.ts';
import { TransactionProcessor } from './transactions.ts';

const TINYBARS_PER_HBAR = 100_000_000n;
const OPERATOR_FUNDING_HBAR = 1_000_000_000n;
const OPERATOR_KEY_META = 'operator_private_key_der';

export interface DevnetOptions {
  /** SQLite file that keeps the chain across restarts, or ':memory:'. */
  dbPath: string;
  host?: string;
  /** 0 picks a free port. */
  grpcPort?: number;
  mirrorPort?: number;
}

export interface DevnetAccount {
  accountId: string;
  /** DER hex (ed25519); null when the caller supplied the public key. */
  privateKey: string | null;
}

export interface Devnet {
  /** `host:port` to use as the key in `Client.forNetwork({ [grpcEndpoint]: nodeAccountId })`. */
  readonly grpcEndpoint: string;
  readonly mirrorUrl: string;
  readonly nodeAccountId: string;
  readonly operator: { accountId: string; privateKey: string };
  createAccount(options?: { initialHbar?: number; key?: string }): Promise<DevnetAccount>;
  setFault(fault: Fault): void;
  clearFault(): void;
  /**
   * A lagging mirror: its transaction history (`/api/v1/transactions…`) shows nothing that reached
   * consensus after `at`, as if it had not imported later records yet. `null` lets it catch up.
   */
  holdMirror(at: Date | null): void;
  /** Stops both servers and closes the database. */
  stop(): Promise<void>;
  /** Starts again on the same ports with the same data (after `stop`). */
  restart(): Promise<void>;
}

interface Running {
  state: LedgerState;
  grpc: GrpcServer;
  mirror: FastifyInstance;
}

/** Opens the state, creating the node and the funded operator account on first start. */
function openState(dbPath: string): { state: LedgerState; operatorKey: string } {
  const state = new LedgerState(dbPath);
  const operatorKey = state.inTransaction(() => {
    const stored = state.getMeta(OPERATOR_KEY_META);
    if (stored) return stored;
    const { privateKeyDer, publicKey } = generateEd25519();
    state.insertAccount(
      OPERATOR_ACCOUNT_NUM,
      encodeEd25519Key(publicKey),
      OPERATOR_FUNDING_HBAR * TINYBARS_PER_HBAR,
    );
    // The node account exists so transfers to it resolve; nobody holds its key.
    state.insertAccount(NODE_ACCOUNT_NUM, encodeEd25519Key(generateEd25519().publicKey), 0n);
    state.setMeta(OPERATOR_KEY_META, privateKeyDer);
    return privateKeyDer;
  });
  return { state, operatorKey };
}

async function startServers(
  state: LedgerState,
  faults: FaultSwitch,
  host: string,
  grpcPort: number,
  mirrorPort: number,
) {
  const processor = new TransactionProcessor(state);
  const grpc = buildGrpcServer({ state, processor, faults });
  const mirror = buildMirrorServer(state, faults.mirror);
  try {
    const boundGrpcPort = await listenGrpc(grpc, host, grpcPort);
    await mirror.listen({ host, port: mirrorPort });
    const address = mirror.server.address();
    const boundMirrorPort = typeof address === 'object' && address ? address.port : mirrorPort;
    return { running: { state, grpc, mirror }, grpcPort: boundGrpcPort, mirrorPort: boundMirrorPort };
  } catch (error) {
    grpc.forceShutdown();
    await mirror.close();
    throw error;
  }
}

const RESTART_BIND_ATTEMPTS = 50;
const RESTART_BIND_INTERVAL_MS = 100;

/**
 * Binds the old ports again. A released port can briefly serve as the local end of a client's
 * reconnect attempt (the SDK keeps dialling while the node is down), so EADDRINUSE is retried.
 */
async function startServersRetrying(...args: Parameters<typeof startServers>) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServers(...args);
    } catch (error) {
      const inUse =
        (error as { code?: string }).code === 'EADDRINUSE' ||
        /EADDRINUSE|No address added/.test(String(error));
      if (!inUse || attempt >= RESTART_BIND_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, RESTART_BIND_INTERVAL_MS));
    }
  }
}

async function stopServers(running: Running, closeState: boolean): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => running.grpc.forceShutdown(), 1000);
    running.grpc.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  await running.mirror.close();
  if (closeState) running.state.close();
}

/** Starts a local Hedera-compatible node (gRPC) and mirror REST API over one SQLite state. */
export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const host = options.host ?? '127.0.0.1';
  const faults = new FaultSwitch();
  // An in-memory chain would vanish on close, so stop() keeps it open for restart().
  const inMemory = options.dbPath === ':memory:';
  const lock = () => (inMemory ? () => {} : lockChain(options.dbPath));
  let unlock = lock();
  let started: Awaited<ReturnType<typeof startServers>>;
  let state: LedgerState;
  let operatorKey: string;
  try {
    ({ state, operatorKey } = openState(options.dbPath));
  } catch (error) {
    unlock();
    throw error;
  }
  try {
    started = await startServers(state, faults, host, options.grpcPort ?? 0, options.mirrorPort ?? 0);
  } catch (error) {
    state.close();
    unlock();
    throw error;
  }
  const { grpcPort, mirrorPort } = started;
  let running: Running | null = started.running;

  const current = (): Running => {
    if (!running) throw new Error('devnet is stopped');
    return running;
  };

  return {
    grpcEndpoint: `${host}:${grpcPort}`,
    mirrorUrl: `http://${host}:${mirrorPort}`,
    nodeAccountId: formatEntityId(NODE_ACCOUNT_NUM),
    operator: { accountId: formatEntityId(OPERATOR_ACCOUNT_NUM), privateKey: operatorKey },

    async createAccount({ initialHbar = 0, key } = {}) {
      const { state } = current();
      const generated = key ? null : generateEd25519();
      const encodedKey = generated ? encodeEd25519Key(generated.publicKey) : keyFromPublicKeyHex(key ?? '');
      const amount = BigInt(Math.round(initialHbar * 1e8));
      const num = state.inTransaction(() => {
        const operator = state.getAccount(OPERATOR_ACCOUNT_NUM);
        if (!operator || operator.balance < amount) throw new Error('operator balance too low');
        const accountNum = state.allocateEntityNum();
        state.setHbarBalance(OPERATOR_ACCOUNT_NUM, operator.balance - amount);
        state.insertAccount(accountNum, encodedKey, amount);
        return accountNum;
      });
      return { accountId: formatEntityId(num), privateKey: generated?.privateKeyDer ?? null };
    },

    setFault: (fault) => faults.set(fault),
    clearFault: () => faults.clear(),
    holdMirror: (at) => {
      faults.mirror.heldAtNs = at === null ? null : BigInt(at.getTime()) * 1_000_000n;
    },

    async stop() {
      if (!running) return;
      const stopping = running;
      running = null;
      faults.clear();
      try {
        await stopServers(stopping, !inMemory);
      } finally {
        unlock();
      }
    },

    async restart() {
      if (running) throw new Error('devnet is running; stop it first');
      unlock = lock();
      try {
        const reopened = inMemory ? state : openState(options.dbPath).state;
        try {
          running = (await startServersRetrying(reopened, faults, host, grpcPort, mirrorPort)).running;
        } catch (error) {
          if (!inMemory) reopened.close();
          throw error;
        }
      } catch (error) {
        unlock();
        throw error;
      }
    },
  };
}
