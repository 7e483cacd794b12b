/**
 * The one interface every VM backend implements (Fluence's /vms/v3, local miner processes).
 * Shapes follow Fluence's API, which the rest of the system speaks.
 */
export const VM_STATUSES = [
  'New',
  'Launching',
  'Active',
  'SmallBalance',
  'InsufficientFunds',
  'Terminated',
  'Stopped',
] as const;
export type VmStatus = (typeof VM_STATUSES)[number];

export interface OpenPort {
  port: number;
  protocol: 'tcp' | 'udp';
}

export interface VmConfiguration {
  name: string;
  openPorts: OpenPort[];
  hostname?: string;
  osImage: string;
  sshKeys: string[];
}

export interface DeployRequest {
  instances: number;
  vmConfiguration: VmConfiguration;
  /** Fluence offer constraints, passed through as given. */
  constraints?: Record<string, unknown>;
}

export interface DeployedVm {
  vmId: string;
  vmName: string;
}

export interface Vm {
  id: string;
  vmName: string;
  status: VmStatus;
  publicIp: string | null;
  ports: OpenPort[];
  osImage: string | null;
  datacenter: Record<string, unknown> | null;
  pricePerEpoch: string | null;
  createdAt: string;
  nextBillingAt: string | null;
  /** Where the miner answers, when the provider knows better than `http://publicIp:MINER_PORT`. */
  minerEndpoint?: string;
}

export interface VmUpdate {
  id: string;
  vmName?: string;
  openPorts?: OpenPort[];
}

export interface PriceEstimate {
  depositAmountUsdc: string;
  depositEpochs: number;
  totalPricePerEpoch: string;
  maxPricePerEpoch: string;
  instances: number;
}

export interface OsImage {
  name: string;
  slug: string;
  downloadUrl?: string;
  distribution?: string;
}

export interface VmProvider {
  readonly name: 'fluence' | 'local';
  /** Rejects ids this provider could never have issued, before any call goes out. */
  isValidVmId(id: string): boolean;
  /**
   * The one spelling of a VM id used everywhere past the edge (database rows, caches, the miner
   * directory). Ids are case-insensitive hex for both providers, so this is the lower-case form.
   * Only meaningful for ids `isValidVmId` accepts (after canonicalisation).
   */
  canonicalVmId(id: string): string;
  deploy(request: DeployRequest): Promise<DeployedVm[]>;
  list(): Promise<Vm[]>;
  get(id: string): Promise<Vm>;
  update(updates: VmUpdate[], options?: { force?: boolean }): Promise<void>;
  delete(ids: string[]): Promise<void>;
  estimate(
    request: Omit<DeployRequest, 'vmConfiguration'> & { vmConfiguration?: Partial<VmConfiguration> },
  ): Promise<PriceEstimate>;
  defaultImages(): Promise<OsImage[]>;
  /** Cheap reachability probe for health.check. */
  ping(): Promise<void>;
  /** Stops background work and child processes. */
  close(): Promise<void>;
}
