/**
 * `pnpm bench [name…]` — runs the named benchmarks (all by default). Each module exports
 * `run(): Promise<void>` and prints its figures; benchmarks never assert.
 */
const benchmarks: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  ledger: () => import('./ledger.ts'),
  schedule: () => import('./schedule.ts'),
  'topic-size': () => import('./topic-size.ts'),
  validation: () => import('./validation.ts'),
  vms: () => import('./vms.ts'),
};

const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = requested.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark: ${unknown.join(', ')} (have: ${Object.keys(benchmarks).join(', ')})`);
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : Object.keys(benchmarks)) {
  console.log(`\n## ${name}\n`);
  await (await benchmarks[name]!()).run();
}
