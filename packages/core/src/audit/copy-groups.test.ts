import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StandInMiners, startStandInMiners } from '../testkit/stand-in-miners.ts';
import { queryMiners } from '../validation/fan-out.ts';
import { copySuspicions, findCopyGroups, findSybilGroups } from './copy-groups.ts';

const essay = (topic: string, i: number) =>
  `Answer ${i} on ${topic}: ` +
  Array.from({ length: 40 }, (_, w) => `${topic}${(w * 7 + i * 13) % 97}`).join(' ');

describe('copy groups within a round', () => {
  it('groups near-identical long answers from different miners, earliest first, ignoring case and punctuation', () => {
    const text = essay('tides', 1);
    const groups = findCopyGroups([
      { vmId: 'a', minerKey: '0.0.1', response: text, latencyMs: 40 },
      { vmId: 'b', minerKey: '0.0.2', response: `${text.toUpperCase()}!!`, latencyMs: 25 },
      { vmId: 'c', minerKey: '0.0.3', response: essay('tides', 2), latencyMs: 10 },
      { vmId: 'd', minerKey: '0.0.4', response: essay('tides', 3), latencyMs: 12 },
    ]);
    expect(groups).toEqual([{ vmIds: ['b', 'a'], earliest: 'b', similarity: 1 }]);
  });

  it('never flags 20 honest miners giving the same short numeric answer, nor a text everyone gave', () => {
    const numeric = Array.from({ length: 20 }, (_, i) => ({
      vmId: `vm-${i}`,
      minerKey: `0.0.${100 + i}`,
      response: 'The answer is 391.\n#### 391',
      latencyMs: 5 + i,
    }));
    for (let round = 0; round < 10; round++) expect(findCopyGroups(numeric)).toEqual([]);
    const same = essay('rivers', 1);
    expect(findCopyGroups(numeric.map((m) => ({ ...m, response: same })))).toEqual([]);
  });

  it('keeps apart one miner answering from two VMs (that is a Sybil question, not copying)', () => {
    const text = essay('clouds', 1);
    expect(
      findCopyGroups([
        { vmId: 'a', minerKey: '0.0.1', response: text, latencyMs: 1 },
        { vmId: 'b', minerKey: '0.0.1', response: text, latencyMs: 2 },
        { vmId: 'c', minerKey: '0.0.3', response: essay('clouds', 2), latencyMs: 3 },
      ]),
    ).toEqual([]);
  });
});

describe('relays across rounds', () => {
  let honest: StandInMiners[];
  let relay: Server;
  let relayEndpoint: string;

  beforeAll(async () => {
    // Five honest miners with answers of their own; a relay forwards each prompt to the first.
    honest = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        startStandInMiners({ behaviours: [{ kind: 'correct' }], correctAnswer: essay('moon', i) }),
      ),
    );
    const source = honest[0]!.miners[0]!.endpoint;
    relay = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const forwarded = await request(source, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.concat(chunks),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(await forwarded.body.text());
      });
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    relayEndpoint = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/api/chat`;
  });
  afterAll(async () => {
    await Promise.all(honest.map((m) => m.close()));
    relay.closeAllConnections();
    await new Promise((resolve) => relay.close(resolve));
  });

  it('flags the relay and its source within three rounds, with the rounds as evidence, and nobody else', async () => {
    const miners = [
      ...honest.map((m, i) => ({ vmId: `honest-${i}`, endpoint: m.miners[0]!.endpoint })),
      { vmId: 'relay', endpoint: relayEndpoint },
    ];
    const minerOf = (vmId: string) => `miner:${vmId}`;
    const rounds = [];
    for (const roundId of ['r1', 'r2', 'r3']) {
      const answers = await queryMiners({
        miners,
        prompt: `Describe the moon (${roundId})`,
        deadlineMs: 5000,
        concurrency: 8,
        maxResponseBytes: 65_536,
      });
      const groups = findCopyGroups(
        answers.map((a) => ({
          vmId: a.vmId,
          minerKey: minerOf(a.vmId),
          response: a.response,
          latencyMs: a.latencyMs,
        })),
      );
      expect(groups.map((g) => [...g.vmIds].sort())).toEqual([['honest-0', 'relay']]);
      rounds.push({ roundId, groups, minerOf });
    }
    expect(copySuspicions(rounds)).toEqual([
      { minerKey: 'miner:honest-0', rounds: ['r1', 'r2', 'r3'] },
      { minerKey: 'miner:relay', rounds: ['r1', 'r2', 'r3'] },
    ]);
  });
});

describe('Sybil groups', () => {
  it('groups distinct miners sharing a wallet or a public address', () => {
    expect(
      findSybilGroups([
        { minerAddress: '0.0.1', walletAddress: '0.0.500', publicIp: '10.0.0.1' },
        { minerAddress: '0.0.2', walletAddress: '0.0.500', publicIp: '10.0.0.2' },
        { minerAddress: '0.0.3', walletAddress: '0.0.501', publicIp: '10.0.0.2' },
        { minerAddress: '0.0.4', walletAddress: '0.0.502', publicIp: '10.0.0.4' },
        { minerAddress: null, walletAddress: '0.0.502', publicIp: null },
      ]),
    ).toEqual([
      { shared: 'address:10.0.0.2', minerAddresses: ['0.0.2', '0.0.3'] },
      { shared: 'wallet:0.0.500', minerAddresses: ['0.0.1', '0.0.2'] },
    ]);
  });
});
