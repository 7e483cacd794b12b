/** Starts the reference miner from the environment; stops cleanly on SIGTERM/SIGINT (and stdin end). */
import { loadMinerEnv, MinerEnvError } from './env.ts';
import { createRequestVerifier, parseValidatorPublicKey } from './request-signature.ts';
import { buildMinerServer } from './server.ts';

const SHUTDOWN_GRACE_MS = 5_000;

let env: ReturnType<typeof loadMinerEnv>;
let validatorKey: ReturnType<typeof parseValidatorPublicKey> | undefined;
try {
  env = loadMinerEnv();
  validatorKey = env.VALIDATOR_PUBLIC_KEY ? parseValidatorPublicKey(env.VALIDATOR_PUBLIC_KEY) : undefined;
} catch (error) {
  const message =
    error instanceof MinerEnvError
      ? error.message
      : `invalid miner environment: VALIDATOR_PUBLIC_KEY: expected a 32-byte ed25519 key in hex, or a PEM public key`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const app = buildMinerServer({
  modelName: env.MINER_MODEL_NAME,
  upstream: env.MINER_UPSTREAM_URL
    ? {
        url: env.MINER_UPSTREAM_URL,
        model: env.MINER_UPSTREAM_MODEL,
        apiKey: env.MINER_UPSTREAM_API_KEY,
        timeoutMs: env.MINER_UPSTREAM_TIMEOUT_MS,
      }
    : undefined,
  logger: { level: env.LOG_LEVEL },
  requestVerifier: validatorKey
    ? createRequestVerifier({ publicKey: validatorKey, vmId: env.MINER_VM_ID })
    : undefined,
});

let stopping = false;
async function shutdown(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  app.log.info({ reason }, 'miner shutting down');
  setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
  await app.close();
  process.exit(0);
}

process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

if (env.MINER_EXIT_WITH_PARENT) {
  // The parent holds the write end of our stdin; when it dies (even by SIGKILL) the pipe closes.
  process.stdin.on('end', () => void shutdown('stdin closed'));
  process.stdin.on('error', () => void shutdown('stdin error'));
  process.stdin.resume();
}

try {
  await app.listen({ host: env.HOST, port: env.PORT });
} catch (error) {
  app.log.error({ err: error }, 'miner failed to start');
  process.exit(1);
}
