export { loadConfig } from './env.ts';
export { createLogger, type Logger } from './logger.ts';
export { type AppRouter, appRouter, createCaller, type RouterInputs, type RouterOutputs } from './root.ts';
export { type RunningApi, runApi } from './run.ts';
export { type BuildServerOptions, buildServer, type RateLimits, SEED_RATE_LIMITS } from './server.ts';
export { type AppServices, createServices, databaseFile } from './services.ts';
export { type Caller, type Context, createInternalContext } from './trpc.ts';
