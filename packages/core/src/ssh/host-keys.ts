import { createHash } from 'node:crypto';
import { createDeploymentRepository, type Database } from '@tensornode/db';

/**
 * Trust on first use: the first host key a VM shows is pinned; later connections must show the
 * same one. Stores hold OpenSSH-style fingerprints (`SHA256:<base64>`), never the key itself.
 */
export interface HostKeyStore {
  /** Pins `fingerprint` for `key` unless one is pinned already; returns the pinned fingerprint. */
  trust(key: string, fingerprint: string): string;
}

/** `SHA256:…` as `ssh-keygen -lf` prints it, from the raw public key blob sshd sends. */
export function hostKeyFingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Pins in memory, for one process (tests, and hosts reached without a VM id). */
export function createMemoryHostKeyStore(): HostKeyStore {
  const pinned = new Map<string, string>();
  return {
    trust(key, fingerprint) {
      const known = pinned.get(key);
      if (known) return known;
      pinned.set(key, fingerprint);
      return fingerprint;
    },
  };
}

/**
 * Pins on the VM's deployment row (`deployments.ssh_host_key`), so a restart keeps the pins. A VM
 * reached before it has a row is recorded as an inactive deployment of `provider` first (the
 * clean-up job would adopt it anyway).
 */
export function createDeploymentHostKeyStore(db: Database, provider: string): HostKeyStore {
  return {
    trust(vmId, fingerprint) {
      return db.transaction(
        (tx) => {
          const repo = createDeploymentRepository(tx);
          if (!repo.findById(vmId)) repo.insertInactive([{ vmId, provider }]);
          return repo.pinHostKey(vmId, fingerprint) ?? fingerprint;
        },
        { behavior: 'immediate' },
      );
    },
  };
}
