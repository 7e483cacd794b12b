import { exitOnEnvError } from '@tensornode/env';
import { DevnetInUseError } from './chain-lock.ts';
import { startDevnet } from './devnet.ts';
import { loadDevnetEnv } from './env.ts';

// Runs the devnet alone. The operator's private key stays in the database.
const env = exitOnEnvError(() => loadDevnetEnv());
let devnet: Awaited<ReturnType<typeof startDevnet>>;
try {
  devnet = await startDevnet(env);
} catch (error) {
  if (!(error instanceof DevnetInUseError)) throw error;
  process.stderr.write(
    `error: ${error.message}; stop that process first (the API server runs this devnet in-process)\n`,
  );
  process.exit(1);
}

process.stdout.write(
  [
    `devnet gRPC node  ${devnet.grpcEndpoint} (node account ${devnet.nodeAccountId})`,
    `devnet mirror API ${devnet.mirrorUrl}`,
    `operator account  ${devnet.operator.accountId} (key stored in ${env.dbPath})`,
    '',
  ].join('\n'),
);

const shutdown = () => {
  void devnet.stop().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
