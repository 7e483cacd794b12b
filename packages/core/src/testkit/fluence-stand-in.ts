import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { OpenPort, VmStatus } from '../vms/provider.ts';

/**
 * A loopback stand-in for Fluence's `/vms/v3` API that enforces the documented contract
 * (`X-API-KEY`, body shapes, `{"error"}` bodies, 422 when no offer fits) and records every request,
 * so tests drive the real Fluence client over real HTTP.
 */
export interface FluenceStandInOptions {
  apiKey: string;
  /** Instances that can still be rented; deleting a VM gives its slot back. Default 10. */
  capacity?: number;
  /** Address a VM reports once Active. Default 127.0.0.1. */
  publicIp?: string;
  /** Ports every VM reports instead of the ones it was deployed with (e.g. a local sshd's). */
  ports?: OpenPort[];
  /**
   * How VMs move New → Launching → Active: each stage lasts `gets` list calls (default 1) or,
   * when `ms` is given, that many milliseconds.
   */
  progress?: { gets: number } | { ms: number };
  /** Price per VM per epoch in USDC. Default "0.25". */
  pricePerEpoch?: string;
  /** Issue ids in mixed case, as Fluence's EIP-55 checksummed ids are. Ids match in any case. */
  mixedCaseIds?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Request headers without `x-api-key`. */
  headers: Record<string, string>;
  apiKey: 'valid' | 'wrong' | 'missing';
  body: unknown;
}

export interface StandInVm {
  id: string;
  vmName: string;
  hostname: string;
  osImage: string;
  sshKeys: string[];
  openPorts: OpenPort[];
  createdAt: Date;
  /** List calls that have seen this VM. */
  seen: number;
  status: VmStatus;
}

export interface FluenceStandIn {
  /** Base URL to give the client, e.g. `http://127.0.0.1:41234`. */
  url: string;
  requests: RecordedRequest[];
  /** Live VMs, as the stand-in holds them. */
  vms(): StandInVm[];
  /** Requests whose method and path match. */
  count(method: string, path?: string): number;
  setCapacity(instances: number): void;
  /** Delays every response by `ms` until called again with 0. */
  slow(ms: number): void;
  /** The next `times` requests are carried out but never answered (a response lost in transit). */
  hang(times?: number): void;
  /** The next `times` requests (any route, auth or not) get `status` with `{"error": message}`. */
  fail(status: number, message: string, times?: number): void;
  close(): Promise<void>;
}

const portSchema = z.object({
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['tcp', 'udp']),
});
const deploySchema = z.object({
  constraints: z.record(z.string(), z.unknown()).nullish(),
  instances: z.number().int().min(1),
  vmConfiguration: z.object({
    name: z.string().regex(/^[A-Za-z0-9-]+$/, 'only alphanumeric characters and hyphens'),
    openPorts: z.array(portSchema),
    hostname: z.string().min(1).nullish(),
    osImage: z.url(),
    sshKeys: z.array(z.string().min(1)),
  }),
});
const patchSchema = z.object({
  updates: z
    .array(
      z.object({
        id: z.string(),
        vmName: z
          .string()
          .regex(/^[A-Za-z0-9-]+$/)
          .optional(),
        openPorts: z.array(portSchema).optional(),
      }),
    )
    .min(1),
});
const deleteSchema = z.object({ vmIds: z.array(z.string()).min(1) });
const estimateSchema = z.object({
  constraints: z.record(z.string(), z.unknown()).nullish(),
  instances: z.number().int().min(1),
});

const RESERVED_PORT = 10250;
const STAGES: VmStatus[] = ['New', 'Launching', 'Active'];

const DEFAULT_IMAGES = [
  {
    id: 'df6e9992f8694635a67baafadf5a1905',
    name: '22.04 (LTS) x64',
    distribution: 'Ubuntu',
    slug: 'ubuntu-22-04-x64',
    downloadUrl:
      'https://cloud-images.ubuntu.com/releases/22.04/release/ubuntu-22.04-server-cloudimg-amd64.img',
    username: 'ubuntu',
    createdAt: '2025-05-06T14:29:39.382562Z',
    updatedAt: '2025-05-06T14:29:39.382562Z',
  },
];

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startFluenceStandIn(options: FluenceStandInOptions): Promise<FluenceStandIn> {
  const { apiKey, publicIp = '127.0.0.1', pricePerEpoch = '0.25' } = options;
  const progress = options.progress ?? { gets: 1 };
  let capacity = options.capacity ?? 10;
  let delayMs = 0;
  let hangs = 0;
  const failures: { status: number; message: string }[] = [];
  const vms = new Map<string, StandInVm>();
  const requests: RecordedRequest[] = [];

  function stageOf(vm: StandInVm): VmStatus {
    if (!STAGES.includes(vm.status)) return vm.status;
    const step =
      'ms' in progress
        ? Math.floor((Date.now() - vm.createdAt.getTime()) / Math.max(1, progress.ms))
        : Math.floor(vm.seen / Math.max(1, progress.gets));
    return STAGES[Math.min(step, STAGES.length - 1)]!;
  }

  function toJson(vm: StandInVm) {
    const active = vm.status === 'Active';
    return {
      id: vm.id,
      vmName: vm.vmName,
      status: vm.status,
      pricePerEpoch,
      resources: [
        { type: 'VCPU', quantity: 2, details: { model: '7702p' }, metadata: { manufacturer: 'AMD' } },
        { type: 'RAM', supply: 4, units: 'GiB', details: {}, metadata: { type: 'DDR' } },
      ],
      createdAt: vm.createdAt.toISOString(),
      nextBillingAt: new Date(vm.createdAt.getTime() + 86_400_000).toISOString(),
      osImage: vm.osImage,
      datacenter: { countryCode: 'FR', cityCode: 'PAR', cityIndex: 1, tier: 4, certifications: [] },
      publicIp: active ? publicIp : null,
      ports: options.ports ?? vm.openPorts,
      reservedBalance: pricePerEpoch,
      totalSpent: '0',
    };
  }

  function validate<T>(schema: z.ZodType<T>, body: unknown): T {
    const result = schema.safeParse(body);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new HttpError(422, `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    return result.data;
  }

  function findVm(id: string): StandInVm {
    const vm = vms.get(id.toLowerCase());
    if (!vm) throw new HttpError(404, `VM not found: ${id}`);
    return vm;
  }

  function route(method: string, path: string, body: unknown): { status: number; json?: unknown } {
    if (path === '/vms/v3' && method === 'GET') {
      return {
        status: 200,
        json: [...vms.values()].map((vm) => {
          vm.status = stageOf(vm);
          vm.seen += 1;
          return toJson(vm);
        }),
      };
    }
    if (path === '/vms/v3' && method === 'POST') {
      const req = validate(deploySchema, body);
      if (req.vmConfiguration.openPorts.some((p) => p.port === RESERVED_PORT)) {
        throw new HttpError(422, `Port ${RESERVED_PORT} is reserved`);
      }
      if (req.instances > capacity) throw new HttpError(422, 'No suitable offer found');
      capacity -= req.instances;
      const created = Array.from({ length: req.instances }, () => {
        const hex = randomBytes(20).toString('hex');
        const vm: StandInVm = {
          id: `0x${options.mixedCaseIds ? [...hex].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('') : hex}`,
          vmName: req.vmConfiguration.name,
          hostname: req.vmConfiguration.hostname ?? req.vmConfiguration.name,
          osImage: req.vmConfiguration.osImage,
          sshKeys: req.vmConfiguration.sshKeys,
          openPorts: req.vmConfiguration.openPorts,
          createdAt: new Date(),
          seen: 0,
          status: 'New',
        };
        vms.set(vm.id.toLowerCase(), vm);
        return { vmId: vm.id, vmName: vm.vmName };
      });
      return { status: 201, json: created };
    }
    if (path === '/vms/v3' && method === 'PATCH') {
      const { updates } = validate(patchSchema, body);
      const targets = updates.map((u) => findVm(u.id));
      if (updates.some((u) => u.openPorts?.some((p) => p.port === RESERVED_PORT))) {
        throw new HttpError(422, `Port ${RESERVED_PORT} is reserved`);
      }
      updates.forEach((u, i) => {
        const vm = targets[i]!;
        if (u.vmName !== undefined) vm.vmName = u.vmName;
        if (u.openPorts !== undefined) vm.openPorts = u.openPorts;
      });
      return { status: 204 };
    }
    if (path === '/vms/v3' && method === 'DELETE') {
      const { vmIds } = validate(deleteSchema, body);
      const targets = vmIds.map(findVm);
      for (const vm of targets) {
        vms.delete(vm.id.toLowerCase());
        capacity += 1;
      }
      return { status: 200 };
    }
    if (path === '/vms/v3/default_images' && method === 'GET') {
      return { status: 200, json: DEFAULT_IMAGES };
    }
    if (path === '/vms/v3/estimate' && method === 'POST') {
      const req = validate(estimateSchema, body);
      if (req.instances > capacity) throw new HttpError(422, 'No suitable offer found');
      const total = (Number(pricePerEpoch) * req.instances).toFixed(6);
      return {
        status: 200,
        json: {
          depositAmountUsdc: (Number(total) * 2).toFixed(6),
          depositEpochs: 2,
          totalPricePerEpoch: total,
          maxPricePerEpoch: Number(pricePerEpoch).toFixed(6),
          instances: req.instances,
        },
      };
    }
    throw new HttpError(404, `No route for ${method} ${path}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const method = req.method ?? 'GET';
    const presented = req.headers['x-api-key'];
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name !== 'x-api-key' && value !== undefined) headers[name] = String(value);
    }
    let body: unknown = raw === '' ? undefined : raw;
    let badJson = false;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        badJson = true;
      }
    }
    requests.push({
      method,
      path,
      headers,
      apiKey: presented === undefined ? 'missing' : presented === apiKey ? 'valid' : 'wrong',
      body,
    });

    if (delayMs > 0) await sleep(delayMs);
    if (res.destroyed) return;
    const send = (status: number, json?: unknown) => {
      if (json === undefined) {
        res.writeHead(status).end();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };

    const failure = failures.shift();
    if (failure) return send(failure.status, { error: failure.message });
    if (presented === undefined) return send(403, { error: 'Missing API key' });
    if (presented !== apiKey) return send(403, { error: 'Invalid API key' });
    if (badJson) return send(400, { error: 'Request body is not valid JSON' });
    try {
      const result = route(method, path, body);
      if (hangs > 0) {
        hangs -= 1;
        return; // done, but the answer never leaves
      }
      send(result.status, result.json);
    } catch (error) {
      if (error instanceof HttpError) return send(error.status, { error: error.message });
      send(500, { error: 'Internal error' });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    vms: () => [...vms.values()],
    count: (method, path) => requests.filter((r) => r.method === method && (!path || r.path === path)).length,
    setCapacity: (instances) => {
      capacity = instances;
    },
    slow: (ms) => {
      delayMs = ms;
    },
    hang: (times = 1) => {
      hangs += times;
    },
    fail: (status, message, times = 1) => {
      for (let i = 0; i < times; i++) failures.push({ status, message });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
