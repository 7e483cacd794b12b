import { describe, expect, it } from 'vitest';
import { nextRunningHash } from './running-hash.ts';

describe('nextRunningHash', () => {
  it('reproduces the HCS running hash version 3 vector from the SPEC', () => {
    const hash = nextRunningHash({
      previousRunningHash: new Uint8Array(48),
      payerAccountNum: 1001,
      topicNum: 5005,
      consensusSeconds: 1_700_000_000,
      consensusNanos: 123_456_789,
      sequenceNumber: 1,
      message: new TextEncoder().encode('hello'),
    });
    expect(hash.toString('hex')).toBe(
      '007909257fe732dd4df51a9427efd7f983373d3fe12ae134aaa439cad9717646e46a91fcabb9b3b7d41a642266317fc3',
    );
  });

  it('chains: a different previous hash gives a different result', () => {
    const base = {
      payerAccountNum: 1001,
      topicNum: 5005,
      consensusSeconds: 1_700_000_000,
      consensusNanos: 123_456_789,
      sequenceNumber: 2,
      message: new TextEncoder().encode('hello'),
    };
    const a = nextRunningHash({ ...base, previousRunningHash: new Uint8Array(48) });
    const b = nextRunningHash({ ...base, previousRunningHash: new Uint8Array(48).fill(1) });
    expect(a.length).toBe(48);
    expect(a.equals(b)).toBe(false);
  });
});
