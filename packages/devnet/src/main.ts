import { startDevnet } from './devnet.ts';

// Runs the devnet alone (`tensornode devnet`). The operator's private key stays in the database.
const dbPath = process.env.DEVNET_DB_PATH ?? './devnet.sqlite';
const devnet = await startDevnet({
  dbPath,
  host: process.env.DEVNET_HOST ?? '127.0.0.1',
  grpcPort: Number(process.env.DEVNET_GRPC_PORT ?? 50211),
  mirrorPort: Number(process.env.DEVNET_MIRROR_PORT ?? 5551),
});

process.stdout.write(
  [
    `devnet gRPC node  ${devnet.grpcEndpoint} (node account ${devnet.nodeAccountId})`,
    `devnet mirror API ${devnet.mirrorUrl}`,
    `operator account  ${devnet.operator.accountId} (key stored in ${dbPath})`,
    '',
  ].join('\n'),
);

const shutdown = () => {
  void devnet.stop().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
