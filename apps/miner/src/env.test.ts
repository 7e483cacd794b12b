import { describe, expect, it } from 'vitest';
import { loadMinerEnv } from './env.ts';

describe('loadMinerEnv', () => {
  it('defaults to a container-friendly setup with the built-in solver', () => {
    expect(loadMinerEnv({})).toEqual({
      HOST: '0.0.0.0',
      PORT: 3000,
      LOG_LEVEL: 'info',
      MINER_MODEL_NAME: 'tensornode-reference-solver',
      MINER_UPSTREAM_URL: undefined,
      MINER_UPSTREAM_MODEL: undefined,
      MINER_UPSTREAM_API_KEY: undefined,
      MINER_UPSTREAM_TIMEOUT_MS: 60_000,
      MINER_EXIT_WITH_PARENT: false,
      VALIDATOR_PUBLIC_KEY: undefined,
      MINER_VM_ID: undefined,
    });
  });

  it('reads the upstream model settings and treats empty values as unset', () => {
    const env = loadMinerEnv({
      HOST: '127.0.0.1',
      PORT: '0',
      MINER_UPSTREAM_URL: 'http://127.0.0.1:11434/v1',
      MINER_UPSTREAM_MODEL: 'llama3.2',
      MINER_UPSTREAM_API_KEY: '',
      MINER_EXIT_WITH_PARENT: '1',
    });
    expect(env).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 0,
      MINER_UPSTREAM_URL: 'http://127.0.0.1:11434/v1',
      MINER_UPSTREAM_MODEL: 'llama3.2',
      MINER_UPSTREAM_API_KEY: undefined,
      MINER_EXIT_WITH_PARENT: true,
    });
  });

  it('names every invalid variable', () => {
    expect(() => loadMinerEnv({ PORT: '70000', MINER_UPSTREAM_URL: 'file:///etc/passwd' })).toThrow(
      /PORT: .*; MINER_UPSTREAM_URL: must be an http\(s\) URL/,
    );
  });
});
