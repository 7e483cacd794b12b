import { ForbiddenError, roleAtLeast } from '@tensornode/core';
import {
  deleteVms,
  deleteVmsInput,
  deploymentRecordSchema,
  deployVms,
  deployVmsInput,
  estimateVms,
  estimateVmsInput,
  getVmWithDeployment,
  listVmsWithDeployments,
  updateVms,
  updateVmsInput,
  vmIdSchema,
  vmWithDeploymentSchema,
} from '@tensornode/core/deployments';
import { clearHostKey, clearHostKeyInput, execOnVm, execOnVmInput } from '@tensornode/core/ssh';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, operatorProcedure, viewerProcedure } from '../trpc.ts';

export const vmsRouter = {
  list: viewerProcedure
    .meta({
      openapi: { method: 'GET', path: '/vms', tags: ['vms'], summary: 'VMs with their deployments (viewer)' },
    })
    .output(z.array(vmWithDeploymentSchema))
    .query(({ ctx }) => listVmsWithDeployments(ctx.services.deployments)),

  get: viewerProcedure
    .meta({ openapi: { method: 'GET', path: '/vms/{vmId}', tags: ['vms'], summary: 'One VM (viewer)' } })
    .input(z.strictObject({ vmId: vmIdSchema }))
    .output(vmWithDeploymentSchema)
    .query(({ ctx, input }) => getVmWithDeployment(ctx.services.deployments, input)),

  deploy: operatorProcedure
    .input(deployVmsInput)
    .output(
      z.object({
        vms: z.array(z.object({ vmId: z.string(), vmName: z.string() })),
        deployments: z.array(deploymentRecordSchema),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      // Keys of the caller's choosing on a VM would be a shell there: that is admin power (vms.exec).
      if (input.configuration?.sshKeys?.length && !roleAtLeast(ctx.caller.role, 'admin')) {
        throw new ForbiddenError(
          `configuration.sshKeys: only an admin may put SSH keys on new VMs; your token has ${ctx.caller.role}`,
        );
      }
      const result = await deployVms(ctx.services.deployments, input);
      ctx.metrics?.vmDeployments.inc(result.vms.length);
      return result;
    }),

  update: operatorProcedure
    .input(updateVmsInput)
    .output(z.object({ updated: z.number() }))
    .mutation(async ({ ctx, input }) => {
      await updateVms(ctx.services.deployments, input);
      return { updated: input.updates.length };
    }),

  delete: operatorProcedure
    .input(deleteVmsInput)
    .output(z.object({ vmIds: z.array(z.string()), terminated: z.array(deploymentRecordSchema) }))
    .mutation(({ ctx, input }) => deleteVms(ctx.services.deployments, input)),

  estimate: operatorProcedure
    .input(estimateVmsInput)
    .output(
      z.object({
        depositAmountUsdc: z.string(),
        depositEpochs: z.number(),
        totalPricePerEpoch: z.string(),
        maxPricePerEpoch: z.string(),
        instances: z.number(),
      }),
    )
    .query(({ ctx, input }) => estimateVms(ctx.services.deployments, input)),

  exec: adminProcedure
    .input(execOnVmInput)
    .output(
      z.object({
        exitCode: z.number().nullable(),
        signal: z.string().nullable(),
        stdout: z.string(),
        stderr: z.string(),
        durationMs: z.number(),
        truncated: z.boolean(),
        timedOut: z.boolean(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { vmId: _vmId, ...result } = await execOnVm(
        { provider: ctx.services.vmProvider, ssh: ctx.services.ssh, log: ctx.log },
        input,
      );
      return result;
    }),

  /** After a rebuild: forget the VM's pinned SSH host key so the next connection pins the new one. */
  clearHostKey: adminProcedure
    .input(clearHostKeyInput)
    .output(z.object({ vmId: z.string(), previousFingerprint: z.string().nullable() }))
    .mutation(({ ctx, input }) => clearHostKey(ctx.services, input)),
} satisfies TRPCRouterRecord;
