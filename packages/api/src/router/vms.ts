import { ForbiddenError, roleAtLeast } from '@tensornode/core';
import {
  deleteVms,
  deleteVmsInput,
  deployVms,
  deployVmsInput,
  estimateVms,
  estimateVmsInput,
  getVmWithDeployment,
  listVmsWithDeployments,
  updateVms,
  updateVmsInput,
  vmIdSchema,
} from '@tensornode/core/deployments';
import { clearHostKey, clearHostKeyInput, execOnVm, execOnVmInput } from '@tensornode/core/ssh';
import { VM_STATUSES } from '@tensornode/core/vms';
import { DEPLOYMENT_STATUSES } from '@tensornode/db';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, operatorProcedure, viewerProcedure } from '../trpc.ts';

const openPort = z.object({ port: z.number(), protocol: z.enum(['tcp', 'udp']) });

export const deploymentRecord = z.object({
  vmId: z.string(),
  provider: z.string(),
  status: z.enum(DEPLOYMENT_STATUSES),
  minerAddress: z.string().nullable(),
  instanceName: z.string().nullable(),
  walletAddress: z.string().nullable(),
  createdAt: z.date(),
  assignedAt: z.date().nullable(),
  terminatedAt: z.date().nullable(),
  healthCheckedAt: z.date().nullable(),
  healthy: z.boolean().nullable(),
  healthError: z.string().nullable(),
});

/** Miners sharing a wallet: `id` is what they share (`wallet:<account>`). */
export const sybilGroupSchema = z.object({ id: z.string(), members: z.array(z.string()) });

const vmWithDeployment = z.object({
  id: z.string(),
  vmName: z.string(),
  status: z.enum(VM_STATUSES),
  publicIp: z.string().nullable(),
  ports: z.array(openPort),
  osImage: z.string().nullable(),
  datacenter: z.record(z.string(), z.unknown()).nullable(),
  pricePerEpoch: z.string().nullable(),
  createdAt: z.string(),
  nextBillingAt: z.string().nullable(),
  minerEndpoint: z.string().optional(),
  deployment: deploymentRecord.nullable(),
  sybilGroup: sybilGroupSchema.nullable(),
});

export const vmsRouter = {
  list: viewerProcedure
    .meta({
      openapi: { method: 'GET', path: '/vms', tags: ['vms'], summary: 'VMs with their deployments (viewer)' },
    })
    .output(z.array(vmWithDeployment))
    .query(({ ctx }) => listVmsWithDeployments(ctx.services.deployments)),

  get: viewerProcedure
    .meta({ openapi: { method: 'GET', path: '/vms/{vmId}', tags: ['vms'], summary: 'One VM (viewer)' } })
    .input(z.strictObject({ vmId: vmIdSchema }))
    .output(vmWithDeployment)
    .query(({ ctx, input }) => getVmWithDeployment(ctx.services.deployments, input)),

  deploy: operatorProcedure
    .input(deployVmsInput)
    .output(
      z.object({
        vms: z.array(z.object({ vmId: z.string(), vmName: z.string() })),
        deployments: z.array(deploymentRecord),
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
    .output(z.object({ vmIds: z.array(z.string()), terminated: z.array(deploymentRecord) }))
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
