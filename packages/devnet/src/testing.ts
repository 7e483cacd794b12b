import type { Client } from '@hashgraph/sdk';
import type { Devnet } from './devnet.ts';

/** A real SDK client pointed at the devnet, signing as `account` (the operator by default). */
export async function clientFor(devnet: Devnet, account = devnet.operator): Promise<Client> {
  const { AccountId, Client, PrivateKey } = await import('@hashgraph/sdk');
  const client = Client.forNetwork(
    { [devnet.grpcEndpoint]: AccountId.fromString(devnet.nodeAccountId) },
    { scheduleNetworkUpdate: false },
  );
  if (!account.privateKey) throw new Error('account has no private key');
  client.setOperator(AccountId.fromString(account.accountId), PrivateKey.fromStringDer(account.privateKey));
  return client;
}

export async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}
