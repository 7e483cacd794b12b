import { describe, expect, it } from 'vitest';
import { nextRunningHash } from './running-hash.ts';

describe('HCS running hash v3', () => {
  it('matches the SPEC test vector', () => {
    const hash = nextRunningHash({
      previousRunningHash: new Uint8Array(48),
      payerAccountNum: 1001,
      topicNum: 5005,
      consensusSeconds: 1_700_000_000,
      consensusNanos: 123_456_789,
      sequenceNumber: 1,
      message: Buffer.from('hello'),
    });
    expect(hash.toString('hex')).toBe(
      '007909257fe732dd4df51a9427efd7f983373d3fe12ae134aaa439cad9717646e46a91fcabb9b3b7d41a642266317fc3',
    );
  });
});
