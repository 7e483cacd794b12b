import { DEPLOYMENT_STATUSES, type Deployment } from '@tensornode/db';
import { z } from 'zod';
import type { MinerSybilGroup } from '../audit/flags.ts';
import { hederaAccountSchema } from '../hedera-account.ts';
import { VM_STATUSES } from '../vms/provider.ts';
import type { VmWithDeployment } from './list-vms.ts';

/** Input rules for deployments and VM management, shared by the verbs and the API. */

export { hederaAccountSchema };
export const instanceNameSchema = z.string().min(1, 'must not be empty').max(50, 'at most 50 characters');
export const vmIdSchema = z.string().min(1).max(200);

export const openPortSchema = z.object({
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['tcp', 'udp']),
});

/** Fluence's VM name rule; the local provider accepts it too. */
export const vmNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,63}$/, 'letters, digits and hyphens only (1–63 characters)');

const PUBLIC_KEY_LINE =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;

export const vmConfigurationInput = z.strictObject({
  name: vmNameSchema.optional(),
  openPorts: z.array(openPortSchema).max(64).optional(),
  hostname: z
    .string()
    .regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, 'must be a hostname label')
    .optional(),
  osImage: z.string().min(1).max(2048).optional(),
  sshKeys: z
    .array(z.string().regex(PUBLIC_KEY_LINE, 'must be one OpenSSH public key line'))
    .max(20)
    .optional(),
  /** Fluence offer constraints (datacenter, hardware, price), passed through. */
  constraints: z.record(z.string(), z.unknown()).optional(),
});
export type VmConfigurationInput = z.infer<typeof vmConfigurationInput>;

export const deployVmsInput = z.strictObject({
  walletAddress: hederaAccountSchema.optional(),
  instanceName: instanceNameSchema.optional(),
  instances: z.number().int().min(1).max(50).default(1),
  configuration: vmConfigurationInput.optional(),
  /** Put our SSH public key (keys.public) in `sshKeys`. Default true. */
  includeSshKey: z.boolean().default(true),
});

export const estimateVmsInput = z.strictObject({
  instances: z.number().int().min(1).max(50),
  configuration: vmConfigurationInput.optional(),
});

export const updateVmsInput = z.strictObject({
  updates: z
    .array(
      z.strictObject({
        vmId: vmIdSchema,
        vmName: vmNameSchema.optional(),
        openPorts: z.array(openPortSchema).max(64).optional(),
      }),
    )
    .min(1)
    .max(100),
  /** Allow a port set without 22/tcp (locks SSH out). */
  force: z.boolean().default(false),
});

export const deleteVmsInput = z.strictObject({ vmIds: z.array(vmIdSchema).min(1).max(100) });

export const allocateVmInput = z.strictObject({
  minerAddress: hederaAccountSchema,
  instanceName: instanceNameSchema,
});

export const releaseVmInput = z.strictObject({ vmId: vmIdSchema });

export const listDeploymentsInput = z.strictObject({
  status: z.enum(DEPLOYMENT_STATUSES).optional(),
  minerAddress: hederaAccountSchema.optional(),
});

// Output shapes. `satisfies` pins each to the type it describes: a new column must be shown or
// explicitly left out here, never dropped from the answer silently.

/** A deployment record as the API shows it: the pinned SSH host key and clean-up bookkeeping stay inside. */
export const deploymentRecordSchema = z.object({
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
  publicIp: z.string().nullable(),
}) satisfies z.ZodType<Omit<Deployment, 'missingSince' | 'sshHostKey'>>;

/** Miners sharing a wallet: `id` is what they share (`wallet:<account>`). */
export const sybilGroupSchema = z.object({
  id: z.string(),
  members: z.array(z.string()),
}) satisfies z.ZodType<MinerSybilGroup>;

export const vmWithDeploymentSchema = z.object({
  id: z.string(),
  vmName: z.string(),
  status: z.enum(VM_STATUSES),
  publicIp: z.string().nullable(),
  ports: z.array(z.object({ port: z.number(), protocol: z.enum(['tcp', 'udp']) })),
  osImage: z.string().nullable(),
  datacenter: z.record(z.string(), z.unknown()).nullable(),
  pricePerEpoch: z.string().nullable(),
  createdAt: z.string(),
  nextBillingAt: z.string().nullable(),
  minerEndpoint: z.string().optional(),
  deployment: deploymentRecordSchema.nullable(),
  sybilGroup: sybilGroupSchema.nullable(),
}) satisfies z.ZodType<
  Omit<VmWithDeployment, 'deployment'> & { deployment: z.output<typeof deploymentRecordSchema> | null }
>;
