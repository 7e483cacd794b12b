import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLocalVmRepository, type Database, type LocalVm } from '@tensornode/db';
import { request } from 'undici';
import type { Logger } from '../../context.ts';
import { InvalidInputError, NotFoundError, UnavailableError } from '../../errors.ts';
import type { OpenPort, Vm, VmProvider } from '../provider.ts';
import { freePort } from './free-port.ts';
import { isProcessAlive } from './process-alive.ts';

const LOCAL_VM_ID = /^local-[0-9a-f]{12}$/;

export function isLocalVmId(id: string): boolean {
  return LOCAL_VM_ID.test(id);
}

/** The reference miner's entry, resolved through core's declared dependency `@tensornode/miner`. */
export const DEFAULT_MINER_ENTRY = createRequire(import.meta.url).resolve('@tensornode/miner/main');

export interface LocalProviderOptions {
  db: Database;
  log: Logger;
  /** The miner's entry file (TypeScript, run through tsx). Default: the reference miner. */
  minerEntry?: string;
  host?: '127.0.0.1';
  minerPath?: string;
  /** Environment of each miner besides PORT and HOST (nothing of ours is inherited). */
  env?: Record<string, string>;
  /**
   * How long a miner may take to answer /health. Default 120 s: on a busy machine, beside the
   * dashboard `pnpm start` runs, compiling a miner through tsx alone has taken over 30 s.
   */
  launchTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL. Default 3 s. */
  stopGraceMs?: number;
  /** Live VMs at most. Default 32. */
  maxVms?: number;
}

export interface LocalVmProvider extends VmProvider {
  readonly name: 'local';
  /** Settles once the VMs recorded before this start are running again (or given up on). */
  readonly ready: Promise<void>;
  /** Resolves when the VM answers /health (Active), rejects if it stops first. */
  whenActive(id: string): Promise<void>;
  /** The process id of a running VM, if this provider runs it. */
  pidOf(id: string): number | undefined;
}

interface Running {
  pid: number;
  /** Absent for a process adopted from an earlier provider: we did not spawn it. */
  child?: ChildProcess;
  exited: Promise<void>;
  stopping: boolean;
  active: Promise<void>;
}

function resolveTsxLoader(minerEntry: string): string {
  for (const from of [minerEntry, fileURLToPath(import.meta.url)]) {
    try {
      return pathToFileURL(createRequire(from).resolve('tsx')).href;
    } catch {}
  }
  throw new UnavailableError('local VM provider: tsx is not installed, so the miner cannot run');
}

/**
 * The `local` VM provider: each VM is a reference-miner child process on 127.0.0.1 with its own
 * port. Rows in `local_vms` are the desired state; a new provider on the same database restarts
 * (or adopts) every VM not deleted.
 */
export function createLocalProvider(options: LocalProviderOptions): LocalVmProvider {
  const {
    db,
    minerEntry = DEFAULT_MINER_ENTRY,
    host = '127.0.0.1',
    minerPath = '/api/chat',
    env = {},
    launchTimeoutMs = 120_000,
    stopGraceMs = 3_000,
    maxVms = 32,
  } = options;
  const log = options.log.child({ vmProvider: 'local' });
  const repo = createLocalVmRepository(db);
  const running = new Map<string, Running>();
  let closed = false;

  async function answersHealth(port: number): Promise<boolean> {
    try {
      const res = await request(`http://${host}:${port}/health`, { signal: AbortSignal.timeout(1_000) });
      await res.body.dump();
      return res.statusCode === 200;
    } catch {
      return false;
    }
  }

  function markStopped(id: string, reason: string): void {
    if (closed) return;
    const row = repo.findById(id);
    if (!row || row.deletedAt) return;
    repo.setState(id, { status: 'Stopped', pid: null });
    log.warn({ vmId: id }, `local VM stopped: ${reason}`);
  }

  /** Polls /health until it answers, the process exits or the launch deadline passes. */
  async function awaitHealth(row: LocalVm, proc: Running): Promise<void> {
    const deadline = Date.now() + launchTimeoutMs;
    let exited = false;
    proc.exited.then(() => {
      exited = true;
    });
    while (!exited && !proc.stopping && Date.now() < deadline) {
      if (await answersHealth(row.port)) {
        if (closed || proc.stopping) break;
        repo.setState(row.id, { status: 'Active', pid: proc.pid });
        log.info({ vmId: row.id, port: row.port, pid: proc.pid }, 'local VM active');
        return;
      }
      await sleep(100);
    }
    if (proc.stopping || closed) throw new Error(`local VM ${row.id} was stopped before it became active`);
    if (!exited) {
      await stop(row.id);
      markStopped(row.id, `no answer on /health within ${launchTimeoutMs} ms`);
    }
    throw new Error(`local VM ${row.id} did not become active`);
  }

  function launch(row: LocalVm): void {
    if (closed) throw new UnavailableError('local VM provider is shut down');
    if (!existsSync(minerEntry)) {
      throw new UnavailableError(`local VM provider: the reference miner is missing (${minerEntry})`);
    }
    // No shell: the node binary, tsx's loader, the entry file. The miner holds our pipe on its
    // stdin and exits when it closes (MINER_EXIT_WITH_PARENT), so it dies with us even on SIGKILL.
    const minerEnv: Record<string, string> = {
      LOG_LEVEL: 'warn',
      ...env,
      PORT: String(row.port),
      HOST: host,
      MINER_EXIT_WITH_PARENT: '1',
    };
    const child = spawn(process.execPath, ['--import', resolveTsxLoader(minerEntry), minerEntry], {
      // The cast: Next's types (apps/web typechecks this file) make NODE_ENV a required ProcessEnv key.
      env: minerEnv as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: false,
    });
    let outputTail = '';
    const keepTail = (chunk: Buffer) => {
      outputTail = (outputTail + chunk.toString('utf8')).slice(-2_000);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    child.stdin?.on('error', () => {});
    if (child.pid === undefined) {
      repo.setState(row.id, { status: 'Stopped', pid: null });
      throw new UnavailableError('local VM provider: could not start the miner process');
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const proc: Running = { pid: child.pid, child, exited, stopping: false, active: Promise.resolve() };
    running.set(row.id, proc);
    repo.setState(row.id, { status: 'Launching', pid: child.pid });
    child.once('exit', (code, signal) => {
      if (running.get(row.id) === proc) running.delete(row.id);
      if (!proc.stopping) {
        markStopped(row.id, `process exited (${signal ?? `code ${code}`}): ${outputTail.trim().slice(-500)}`);
      }
    });
    proc.active = awaitHealth(row, proc);
    proc.active.catch(() => {});
  }

  async function stop(id: string): Promise<void> {
    const proc = running.get(id);
    if (!proc) return;
    proc.stopping = true;
    const signal = (sig: NodeJS.Signals) => {
      try {
        if (proc.child) proc.child.kill(sig);
        else process.kill(proc.pid, sig);
      } catch {}
    };
    proc.child?.stdin?.end();
    signal('SIGTERM');
    const gone = await Promise.race([proc.exited.then(() => true), sleep(stopGraceMs).then(() => false)]);
    if (!gone) {
      log.warn({ vmId: id, pid: proc.pid }, 'local VM ignored SIGTERM; killing it');
      signal('SIGKILL');
      await proc.exited;
    }
    running.delete(id);
  }

  /** Watches a process we did not spawn: it has no exit event, so poll. */
  function watchAdopted(pid: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (!isProcessAlive(pid)) {
          clearInterval(timer);
          resolve();
        }
      }, 200);
      timer.unref();
    });
  }

  async function restore(row: LocalVm): Promise<void> {
    const adoptable = row.pid !== null && isProcessAlive(row.pid) && (await answersHealth(row.port));
    if (closed) return;
    if (adoptable && row.pid !== null) {
      const proc: Running = {
        pid: row.pid,
        exited: watchAdopted(row.pid),
        stopping: false,
        active: Promise.resolve(),
      };
      running.set(row.id, proc);
      proc.exited.then(() => {
        if (running.get(row.id) === proc) running.delete(row.id);
        if (!proc.stopping) markStopped(row.id, 'adopted process exited');
      });
      repo.setState(row.id, { status: 'Active', pid: row.pid });
      log.info({ vmId: row.id, pid: row.pid }, 'local VM adopted');
      return;
    }
    log.info({ vmId: row.id, port: row.port }, 'local VM restarting');
    launch(row);
    await running.get(row.id)?.active;
  }

  const ready = (async () => {
    const rows = repo.listLive().filter((r) => r.status !== 'Terminated');
    await Promise.allSettled(rows.map((row) => restore(row)));
  })();
  ready.catch((error) => log.error({ err: error }, 'restoring local VMs failed'));

  function toVm(row: LocalVm): Vm {
    // A local VM's address is this host: declaring any other port open would let probes (docker.health)
    // reach the API's own services. Only the miner port this provider picked is ever open.
    const ports: OpenPort[] = [{ port: row.port, protocol: 'tcp' }];
    return {
      id: row.id,
      vmName: row.name,
      status: row.status,
      publicIp: row.status === 'Active' ? host : null,
      ports,
      osImage: 'local',
      datacenter: null,
      pricePerEpoch: '0',
      createdAt: row.createdAt.toISOString(),
      nextBillingAt: null,
      minerEndpoint: `http://${host}:${row.port}${minerPath}`,
    };
  }

  function live(given: string, field: string): LocalVm {
    const id = given.toLowerCase();
    if (!isLocalVmId(id)) throw new InvalidInputError(field, 'not a local VM id (local- + 12 hex digits)');
    const row = repo.findById(id);
    if (!row || row.deletedAt) throw new NotFoundError(`VM ${id} not found`);
    return row;
  }

  async function pickPort(): Promise<number> {
    const used = repo.usedPorts();
    for (let i = 0; i < 20; i++) {
      const port = await freePort(host);
      if (!used.has(port)) return port;
    }
    throw new UnavailableError('local VM provider: no free port found');
  }

  return {
    name: 'local',
    ready,
    isValidVmId: isLocalVmId,
    canonicalVmId: (id) => id.toLowerCase(),

    async deploy(req) {
      if (closed) throw new UnavailableError('local VM provider is shut down');
      if (!Number.isInteger(req.instances) || req.instances < 1) {
        throw new InvalidInputError('instances', 'must be a positive integer');
      }
      const liveCount = repo.listLive().length;
      if (liveCount + req.instances > maxVms) {
        throw new InvalidInputError('instances', `at most ${maxVms} local VMs at once (${liveCount} exist)`);
      }
      if (!existsSync(minerEntry)) {
        throw new UnavailableError(`local VM provider: the reference miner is missing (${minerEntry})`);
      }
      const deployed = [];
      for (let i = 0; i < req.instances; i++) {
        const row = repo.insert({
          id: `local-${randomBytes(6).toString('hex')}`,
          name: req.vmConfiguration.name,
          port: await pickPort(),
          // Whatever was asked, only the miner port is open (see toVm).
          openPorts: [],
        });
        launch(row);
        deployed.push({ vmId: row.id, vmName: row.name });
      }
      return deployed;
    },

    async list() {
      return repo.listLive().map(toVm);
    },

    async get(id) {
      return toVm(live(id, 'vmId'));
    },

    async update(updates) {
      // No SSH rule here: local VMs have no SSH. They expose their miner port and nothing else.
      const canonical = updates.map((u, i) => {
        const row = live(u.id, `updates[${i}].id`);
        const other = u.openPorts?.find((p) => p.port !== row.port || p.protocol !== 'tcp');
        if (other) {
          throw new InvalidInputError(
            `updates[${i}].openPorts`,
            `a local VM (on this host) exposes only its miner port ${row.port}/tcp; ${other.port}/${other.protocol} cannot be opened`,
          );
        }
        return { ...u, id: row.id };
      });
      for (const u of canonical) {
        if (u.vmName !== undefined) repo.rename(u.id, u.vmName);
        if (u.openPorts !== undefined) repo.setOpenPorts(u.id, u.openPorts);
      }
    },

    async delete(ids) {
      const canonical = ids.map((id, i) => live(id, `vmIds[${i}]`).id);
      await Promise.all(
        canonical.map(async (id) => {
          await stop(id);
          repo.markDeleted(id);
          log.info({ vmId: id }, 'local VM deleted');
        }),
      );
    },

    async estimate(req) {
      return {
        depositAmountUsdc: '0',
        depositEpochs: 0,
        totalPricePerEpoch: '0',
        maxPricePerEpoch: '0',
        instances: req.instances,
      };
    },

    async defaultImages() {
      return [{ name: 'Reference miner (local process)', slug: 'local', distribution: 'local' }];
    },

    async ping() {
      repo.listLive();
    },

    whenActive(id) {
      const proc = running.get(id);
      if (proc) return proc.active;
      const row = repo.findById(id);
      return row?.status === 'Active'
        ? Promise.resolve()
        : Promise.reject(new NotFoundError(`VM ${id} is not running`));
    },

    pidOf: (id) => running.get(id)?.pid,

    async close() {
      closed = true;
      await Promise.all([...running.keys()].map((id) => stop(id)));
    },
  };
}
