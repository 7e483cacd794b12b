import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { authRouter } from './router/auth.ts';
import { bankRouter } from './router/bank.ts';
import { deploymentsRouter } from './router/deployments.ts';
import { dockerRouter } from './router/docker.ts';
import { healthRouter } from './router/health.ts';
import { keysRouter } from './router/keys.ts';
import { ledgerRouter } from './router/ledger.ts';
import { rewardsRouter } from './router/rewards.ts';
import { scheduleRouter } from './router/schedule.ts';
import { scoringRouter } from './router/scoring.ts';
import { minersRouter, validationRouter } from './router/validation.ts';
import { vmsRouter } from './router/vms.ts';
import { createCallerFactory, createTRPCRouter } from './trpc.ts';

export const appRouter = createTRPCRouter({
  health: healthRouter,
  auth: authRouter,
  vms: vmsRouter,
  docker: dockerRouter,
  deployments: deploymentsRouter,
  keys: keysRouter,
  ledger: ledgerRouter,
  rewards: rewardsRouter,
  validation: validationRouter,
  scoring: scoringRouter,
  miners: minersRouter,
  bank: bankRouter,
  schedule: scheduleRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export const createCaller = createCallerFactory(appRouter);
