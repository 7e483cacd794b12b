import {
  allocateVm,
  allocateVmInput,
  deploymentRecordSchema,
  listDeployments,
  listDeploymentsInput,
  releaseVm,
  releaseVmInput,
} from '@tensornode/core/deployments';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { operatorProcedure, viewerProcedure } from '../trpc.ts';

export const deploymentsRouter = {
  list: viewerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/deployments',
        tags: ['deployments'],
        summary: 'Deployments (viewer)',
      },
    })
    .input(listDeploymentsInput.optional())
    .output(z.array(deploymentRecordSchema))
    .query(({ ctx, input }) => listDeployments(ctx.services.deployments, input ?? {})),

  allocate: operatorProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/deployments',
        tags: ['deployments'],
        summary: 'Allocate a VM to a miner (operator)',
      },
    })
    .input(allocateVmInput)
    .output(z.object({ deployment: deploymentRecordSchema, reused: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const allocation = await allocateVm(ctx.services.deployments, input);
      if (!allocation.reused) ctx.metrics?.vmDeployments.inc();
      return allocation;
    }),

  release: operatorProcedure
    .input(releaseVmInput)
    .output(deploymentRecordSchema)
    .mutation(({ ctx, input }) => releaseVm(ctx.services.deployments, input)),
} satisfies TRPCRouterRecord;
