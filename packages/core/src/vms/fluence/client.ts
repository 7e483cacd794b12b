import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, request } from 'undici';
import { z } from 'zod';
import { type Logger, silentLogger } from '../../context.ts';
import { InvalidInputError, NotFoundError, UpstreamError } from '../../errors.ts';
import { readBoundedText } from '../../upstream-body.ts';
import { assertUpdatesKeepSsh } from '../open-ports.ts';
import { VM_STATUSES, type Vm, type VmProvider, type VmStatus } from '../provider.ts';

const SERVICE = 'Fluence';

/** Fluence VM ids are 20-byte hex addresses, often EIP-55 mixed case (`0x311edB20…`). */
const FLUENCE_VM_ID = /^0x[0-9a-fA-F]{40}$/;

export function isFluenceVmId(id: string): boolean {
  return FLUENCE_VM_ID.test(id);
}

/** Hex addresses are case-insensitive (EIP-55 case is only a checksum): we keep them lower-case. */
export function canonicalFluenceVmId(id: string): string {
  return id.toLowerCase();
}

export interface FluenceProviderOptions {
  apiKey: string;
  /** e.g. `https://api.fluence.dev` (no trailing `/vms/v3`). */
  baseUrl: string;
  /** Deadline per attempt, headers and body included. */
  timeoutMs?: number;
  /** Deadline of a whole call, retries and backoff included. */
  totalTimeoutMs?: number;
  /** Largest answer read; past it the answer is dropped with an error naming Fluence. */
  maxResponseBytes?: number;
  /** Extra attempts for idempotent calls after a 5xx, 429 or connection failure. */
  maxRetries?: number;
  /** First backoff delay; doubles each retry (with jitter), capped at 5 s. */
  retryBaseMs?: number;
  dispatcher?: Dispatcher;
  log?: Logger;
}

const portSchema = z.object({
  port: z.number().int(),
  protocol: z
    .string()
    .transform((p) => p.toLowerCase())
    .pipe(z.enum(['tcp', 'udp'])),
});

// Older API versions spelled statuses in capitals ("ACTIVE"); accept any case.
const statusSchema = z.string().transform((s, ctx): VmStatus => {
  const status = VM_STATUSES.find((known) => known.toLowerCase() === s.toLowerCase());
  if (!status) {
    ctx.addIssue({ code: 'custom', message: `unknown VM status "${s}"` });
    return z.NEVER;
  }
  return status;
});

const decimal = z.union([z.string(), z.number()]).transform(String);

const vmSchema = z.object({
  id: z.string(),
  vmName: z.string(),
  status: statusSchema,
  publicIp: z.string().nullish(),
  ports: z.array(portSchema).nullish(),
  osImage: z.string().nullish(),
  datacenter: z.record(z.string(), z.unknown()).nullish(),
  pricePerEpoch: decimal.nullish(),
  createdAt: z.string(),
  nextBillingAt: z.string().nullish(),
});

const deployedSchema = z.array(z.object({ vmId: z.string(), vmName: z.string() }));

const imagesSchema = z.array(
  z.object({
    name: z.string(),
    slug: z.string(),
    downloadUrl: z.string().optional(),
    distribution: z.string().optional(),
  }),
);

const estimateSchema = z.object({
  depositAmountUsdc: decimal,
  depositEpochs: z.number(),
  totalPricePerEpoch: decimal,
  maxPricePerEpoch: decimal,
  instances: z.number().int(),
});

const errorBodySchema = z.object({ error: z.string() });

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * GET reads. PATCH sets absolute values (a name, the whole port set) and DELETE names the VMs to
 * remove, so repeating either leaves the same end state: both are safe to retry. POST creates
 * (rents) VMs and is never retried: a lost response followed by a retry would rent twice.
 */
const RETRYABLE: Record<Method, boolean> = { GET: true, PATCH: true, DELETE: true, POST: false };

interface Attempt {
  status: number;
  text: string;
  retryAfterMs?: number;
}

/** The `fluence` VM provider: the `/vms/v3` REST API at `baseUrl`. */
export function createFluenceProvider(options: FluenceProviderOptions): VmProvider {
  const {
    apiKey,
    timeoutMs = 15_000,
    totalTimeoutMs = 45_000,
    maxResponseBytes = 16 * 1024 * 1024,
    maxRetries = 3,
    retryBaseMs = 250,
    dispatcher,
    log = silentLogger,
  } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const logger = log.child({ service: SERVICE });

  /** Upstream text may echo what we sent; the key never leaves this module. */
  const redact = (text: string) => (apiKey ? text.split(apiKey).join('[redacted]') : text);

  async function attempt(
    method: Method,
    path: string,
    body: unknown,
    deadlineMs = timeoutMs,
  ): Promise<Attempt> {
    const started = performance.now();
    try {
      const res = await request(`${baseUrl}${path}`, {
        method,
        headers: {
          'X-API-KEY': apiKey,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(deadlineMs),
        dispatcher,
      });
      const text = await readBoundedText(res.body, maxResponseBytes, SERVICE);
      logger.debug(
        { method, path, status: res.statusCode, ms: Math.round(performance.now() - started) },
        'fluence call',
      );
      const retryAfter = Number(res.headers['retry-after']);
      return {
        status: res.statusCode,
        text,
        ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      };
    } catch (error) {
      throw error instanceof UpstreamError ? error : transportError(error, method, path, deadlineMs);
    }
  }

  function transportError(error: unknown, method: Method, path: string, deadlineMs: number): UpstreamError {
    const err = error as { name?: string; code?: string; message?: string };
    const what = `${method} ${path}`;
    if (
      err.name === 'TimeoutError' ||
      err.code === 'UND_ERR_HEADERS_TIMEOUT' ||
      err.code === 'UND_ERR_BODY_TIMEOUT'
    ) {
      return new UpstreamError(SERVICE, `timed out after ${Math.round(deadlineMs)} ms (${what})`, {
        timeout: true,
        cause: error,
      });
    }
    const reason = err.code ?? redact(err.message ?? 'connection failed');
    return new UpstreamError(SERVICE, `unreachable: ${reason} (${what})`, { cause: error });
  }

  function statusError(method: Method, path: string, { status, text }: Attempt): UpstreamError {
    let message: string;
    try {
      message = errorBodySchema.parse(JSON.parse(text)).error;
    } catch {
      message = text.trim().slice(0, 200) || 'no error message';
    }
    return new UpstreamError(SERVICE, `${status} ${redact(message)} (${method} ${path})`, { status });
  }

  const isRetryableStatus = (status: number) => status === 429 || status >= 500;

  function backoffMs(retry: number, retryAfterMs?: number): number {
    const exponential = Math.min(5_000, retryBaseMs * 2 ** retry);
    const jittered = exponential / 2 + Math.random() * (exponential / 2);
    return Math.min(10_000, Math.max(jittered, retryAfterMs ?? 0));
  }

  /** One call with retries where safe; returns the parsed JSON body (undefined when empty). */
  async function call(
    method: Method,
    path: string,
    body?: unknown,
    retry = RETRYABLE[method],
  ): Promise<unknown> {
    const attempts = retry ? maxRetries + 1 : 1;
    const deadline = performance.now() + totalTimeoutMs;
    const remaining = () => deadline - performance.now();
    for (let i = 0; ; i++) {
      let result: Attempt;
      try {
        result = await attempt(method, path, body, Math.max(1, Math.min(timeoutMs, remaining())));
      } catch (error) {
        const upstream = error as UpstreamError;
        const delay = backoffMs(i);
        // A timed-out call already cost the caller its whole deadline: report it, don't multiply it.
        if (i === attempts - 1 || upstream.timedOut || delay >= remaining()) throw upstream;
        logger.warn({ method, path, attempt: i + 1, delayMs: Math.round(delay) }, upstream.message);
        await sleep(delay);
        continue;
      }
      if (result.status >= 200 && result.status < 300) {
        if (result.text.trim() === '') return undefined;
        try {
          return JSON.parse(result.text);
        } catch {
          throw new UpstreamError(SERVICE, `answered ${method} ${path} with a body that is not JSON`);
        }
      }
      const error = statusError(method, path, result);
      const delay = backoffMs(i, result.retryAfterMs);
      if (i === attempts - 1 || !isRetryableStatus(result.status) || delay >= remaining()) throw error;
      logger.warn({ method, path, attempt: i + 1, delayMs: Math.round(delay) }, error.message);
      await sleep(delay);
    }
  }

  function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
    const result = schema.safeParse(data);
    if (!result.success) {
      const issue = result.error.issues[0];
      const at = issue?.path.length ? issue.path.join('.') : 'body';
      throw new UpstreamError(
        SERVICE,
        `unexpected response to ${what}: ${at}: ${issue?.message ?? 'invalid'}`,
      );
    }
    return result.data;
  }

  function assertIds(ids: string[], field: (i: number) => string): void {
    ids.forEach((id, i) => {
      if (!isFluenceVmId(id))
        throw new InvalidInputError(field(i), 'not a Fluence VM id (0x + 40 hex digits)');
    });
  }

  async function list(): Promise<Vm[]> {
    const vms = parse(z.array(vmSchema), await call('GET', '/vms/v3'), 'GET /vms/v3');
    return vms.map((vm) => ({
      id: canonicalFluenceVmId(vm.id),
      vmName: vm.vmName,
      status: vm.status,
      publicIp: vm.publicIp ?? null,
      ports: vm.ports ?? [],
      osImage: vm.osImage ?? null,
      datacenter: vm.datacenter ?? null,
      pricePerEpoch: vm.pricePerEpoch ?? null,
      createdAt: vm.createdAt,
      nextBillingAt: vm.nextBillingAt ?? null,
    }));
  }

  return {
    name: 'fluence',
    isValidVmId: isFluenceVmId,
    canonicalVmId: canonicalFluenceVmId,

    async deploy(req) {
      if (!Number.isInteger(req.instances) || req.instances < 1) {
        throw new InvalidInputError('instances', 'must be a positive integer');
      }
      const body = {
        ...(req.constraints ? { constraints: req.constraints } : {}),
        instances: req.instances,
        vmConfiguration: req.vmConfiguration,
      };
      const deployed = parse(deployedSchema, await call('POST', '/vms/v3', body), 'POST /vms/v3');
      return deployed.map((vm) => ({ ...vm, vmId: canonicalFluenceVmId(vm.vmId) }));
    },

    list,

    async get(id) {
      assertIds([id], () => 'vmId');
      const wanted = canonicalFluenceVmId(id);
      const vm = (await list()).find((v) => v.id === wanted);
      if (!vm) throw new NotFoundError(`VM ${id} not found on Fluence`);
      return vm;
    },

    async update(updates, { force = false } = {}) {
      if (updates.length === 0) return;
      assertIds(
        updates.map((u) => u.id),
        (i) => `updates[${i}].id`,
      );
      assertUpdatesKeepSsh(updates, force);
      await call('PATCH', '/vms/v3', { updates });
    },

    async delete(ids) {
      if (ids.length === 0) return;
      assertIds(ids, (i) => `vmIds[${i}]`);
      await call('DELETE', '/vms/v3', { vmIds: ids });
    },

    async estimate(req) {
      const body = { ...(req.constraints ? { constraints: req.constraints } : {}), instances: req.instances };
      // A POST, but it only prices an order: retrying it rents nothing.
      const data = await call('POST', '/vms/v3/estimate', body, true);
      return parse(estimateSchema, data, 'POST /vms/v3/estimate');
    },

    async defaultImages() {
      return parse(imagesSchema, await call('GET', '/vms/v3/default_images'), 'GET /vms/v3/default_images');
    },

    async ping() {
      await attempt('GET', '/vms/v3/default_images', undefined).then((result) => {
        if (result.status < 200 || result.status >= 300)
          throw statusError('GET', '/vms/v3/default_images', result);
      });
    },

    async close() {},
  };
}
