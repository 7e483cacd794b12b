import { describe, expect, it } from 'vitest';
import { nextRunningHash } from './score-proof.ts';

describe('running hash (HCS v3)', () => {
  it('matches the SPEC test vector', async () => {
    const hash = await nextRunningHash(new Uint8Array(48), {
      consensus_timestamp: '1700000000.123456789',
      payer_account_id: '0.0.1001',
      topic_id: '0.0.5005',
      sequence_number: 1,
      message: Buffer.from('hello').toString('base64'),
    });
    expect(Buffer.from(hash).toString('hex')).toBe(
      '007909257fe732dd4df51a9427efd7f983373d3fe12ae134aaa439cad9717646e46a91fcabb9b3b7d41a642266317fc3',
    );
  });
});
