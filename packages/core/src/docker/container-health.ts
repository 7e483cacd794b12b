import { type Dispatcher, request } from 'undici';
import type { z } from 'zod';
import { InvalidInputError } from '../errors.ts';
import { resolveVmHost } from '../ssh/exec-on-vm.ts';
import { validateInput } from '../validate-input.ts';
import type { VmProvider } from '../vms/provider.ts';
import { containerHealthInput } from './schemas.ts';

export interface ContainerHealth {
  vmId: string;
  url: string;
  healthy: boolean;
  status?: number;
  /** The start of the answer (at most 4 KiB), only when asked for with `includeBody`. */
  body?: string;
  error?: string;
}

const MAX_BODY_BYTES = 4 * 1024;

/**
 * `docker.health`: GET http://<publicIp>:<port>/health with a deadline. Never throws for an
 * unhealthy container. Only ports the VM declares open (`vm.ports`; a local VM declares its own
 * miner port) may be probed, so the call cannot reach other services on the VM or on this host.
 * The answer's body is returned only with `includeBody` (the API gives it to operators, not viewers).
 */
export async function containerHealth(
  ctx: { provider: VmProvider; dispatcher?: Dispatcher },
  input: z.input<typeof containerHealthInput>,
  options: { includeBody?: boolean } = {},
): Promise<ContainerHealth> {
  const { vmId: given, port, timeoutMs } = validateInput(containerHealthInput, input);
  const { vm, host } = await resolveVmHost(ctx.provider, given);
  const vmId = vm.id;
  if (!vm.ports.some((p) => p.port === port && p.protocol === 'tcp')) {
    const open = vm.ports.filter((p) => p.protocol === 'tcp').map((p) => p.port);
    throw new InvalidInputError(
      'port',
      `VM ${vmId} does not declare ${port}/tcp open (open: ${open.length > 0 ? open.join(', ') : 'none'})`,
    );
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/health`;
  try {
    const response = await request(url, {
      method: 'GET',
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(ctx.dispatcher ? { dispatcher: ctx.dispatcher } : {}),
    });
    const healthy = response.statusCode >= 200 && response.statusCode < 300;
    if (!options.includeBody) {
      await response.body.dump({ limit: MAX_BODY_BYTES }).catch(() => undefined);
      return { vmId, url, healthy, status: response.statusCode };
    }
    const body = await readCapped(response.body, MAX_BODY_BYTES);
    return { vmId, url, healthy, status: response.statusCode, body };
  } catch (err) {
    const e = err as Error & { code?: string };
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError' || /Timeout/.test(e.code ?? '');
    return {
      vmId,
      url,
      healthy: false,
      error: timedOut ? `no answer within ${timeoutMs} ms` : (e.code ?? e.message),
    };
  }
}

async function readCapped(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    chunks.push(buf.subarray(0, limit - size));
    size += Math.min(buf.length, limit - size);
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
