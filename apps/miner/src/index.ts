export { buildMinerServer, type MinerServerOptions } from './server.ts';
export { FINAL_ANSWER_MARKER, type SolverOutcome, solve, UNKNOWN_ANSWER } from './solver.ts';
export type { UpstreamOptions } from './upstream.ts';
