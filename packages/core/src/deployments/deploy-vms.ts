import type { Deployment } from '@tensornode/db';
import type { z } from 'zod';
import { ConflictError, NotFoundError } from '../errors.ts';
import { readPublicKey, sshKeyPath } from '../keys/read-public-key.ts';
import { validateInput } from '../validate-input.ts';
import type { DeployedVm, DeployRequest } from '../vms/provider.ts';
import { deployOrAdopt } from './adopt-vms.ts';
import type { DeploymentContext } from './context.ts';
import { recordNewVms } from './record-new-vms.ts';
import { deployVmsInput, type VmConfigurationInput } from './schemas.ts';

/** Ubuntu 22.04, the image Fluence lists first among its defaults. */
export const DEFAULT_OS_IMAGE =
  'https://cloud-images.ubuntu.com/releases/22.04/release/ubuntu-22.04-server-cloudimg-amd64.img';
export const DEFAULT_VM_NAME = 'tensornode-miner';

/** A VM name from an instance name: Fluence accepts letters, digits and hyphens only. */
function vmNameFrom(instanceName: string | undefined): string {
  const slug = (instanceName ?? '')
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return slug || DEFAULT_VM_NAME;
}

/**
 * The deploy request we send: SSH and the miner port open by default, and our SSH public key in
 * `sshKeys` unless the caller says otherwise. Without a key, a provider VM would be unreachable
 * by SSH, so that is refused (local VMs need no SSH).
 */
export async function buildDeployRequest(
  ctx: Pick<DeploymentContext, 'config' | 'provider' | 'log'>,
  options: {
    instances: number;
    instanceName?: string;
    configuration?: VmConfigurationInput;
    includeSshKey: boolean;
  },
): Promise<DeployRequest> {
  const configuration = options.configuration ?? {};
  const sshKeys = [...(configuration.sshKeys ?? [])];
  if (options.includeSshKey) {
    try {
      const key = await readPublicKey(sshKeyPath(ctx.config));
      if (!sshKeys.includes(key)) sshKeys.push(key);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      if (ctx.provider.name !== 'local') {
        throw new ConflictError(
          'no SSH key to give the VM: generate one with keys.generate, or deploy with includeSshKey: false',
        );
      }
    }
  }
  return {
    instances: options.instances,
    ...(configuration.constraints ? { constraints: configuration.constraints } : {}),
    vmConfiguration: {
      name: configuration.name ?? vmNameFrom(options.instanceName),
      openPorts: configuration.openPorts ?? [
        { port: 22, protocol: 'tcp' },
        { port: ctx.config.MINER_PORT, protocol: 'tcp' },
      ],
      ...(configuration.hostname ? { hostname: configuration.hostname } : {}),
      osImage: configuration.osImage ?? (ctx.provider.name === 'local' ? 'local' : DEFAULT_OS_IMAGE),
      sshKeys,
    },
  };
}

/** `vms.deploy`: rents VMs and records each as an inactive deployment linked to the wallet. */
export async function deployVms(
  ctx: DeploymentContext,
  input: z.input<typeof deployVmsInput>,
): Promise<{ vms: DeployedVm[]; deployments: Deployment[] }> {
  const { walletAddress, instanceName, instances, configuration, includeSshKey } = validateInput(
    deployVmsInput,
    input,
  );
  const request = await buildDeployRequest(ctx, { instances, instanceName, configuration, includeSshKey });
  const vms = await deployOrAdopt(ctx, request.vmConfiguration.name, walletAddress, () =>
    ctx.provider.deploy(request),
  );
  ctx.vmCache.invalidate();
  const deployments = recordNewVms(ctx, vms, walletAddress);
  ctx.log.info({ vmIds: vms.map((v) => v.vmId), walletAddress }, 'VMs deployed');
  return { vms, deployments };
}
