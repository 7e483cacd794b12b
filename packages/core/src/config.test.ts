import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, parseConfig, redactedConfig, secretValues } from './config.ts';

const exampleFile = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
const example = Object.fromEntries(
  exampleFile
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
);

describe('configuration', () => {
  it('.env.example lists exactly the variables the schema reads', () => {
    const schemaKeys = Object.keys(configSchema.in.shape).sort();
    expect(Object.keys(example).sort()).toEqual(schemaKeys);
  });

  it('.env.example shows the real defaults', () => {
    expect(parseConfig(example)).toEqual(parseConfig({}));
  });

  it('starts on embedded defaults with nothing set', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 8000,
      VM_PROVIDER: 'local',
      HEDERA_NETWORK: 'devnet',
      MINER_PATH: '/api/chat',
      SCORE_EMA_ALPHA: 0.1,
    });
  });

  it("keeps the seed's rate limits and no proxy trust by default; both configurable", () => {
    expect(parseConfig({})).toMatchObject({
      RATE_LIMIT_PER_HOUR: 1000,
      RATE_LIMIT_PER_MINUTE: 100,
      RATE_LIMIT_DEPLOY_PER_MINUTE: 10,
      TRUST_PROXY: false,
    });
    expect(parseConfig({ RATE_LIMIT_PER_MINUTE: '500', TRUST_PROXY: 'true' })).toMatchObject({
      RATE_LIMIT_PER_MINUTE: 500,
      TRUST_PROXY: true,
    });
    expect(parseConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(parseConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).TRUST_PROXY).toBe('10.0.0.0/8, 127.0.0.1');
    expect(() => parseConfig({ RATE_LIMIT_DEPLOY_PER_MINUTE: '0' })).toThrow(/RATE_LIMIT_DEPLOY_PER_MINUTE/);
  });

  it('switches real backends on by credentials', () => {
    const config = parseConfig({
      FLUENCE_API_KEY: 'k'.repeat(32),
      HEDERA_OPERATOR_ID: '0.0.2',
      HEDERA_OPERATOR_KEY: 'x',
    });
    expect(config.VM_PROVIDER).toBe('fluence');
    expect(config.HEDERA_NETWORK).toBe('testnet');
  });

  it('names every bad variable and never echoes a secret', () => {
    const error = (() => {
      try {
        parseConfig({ PORT: 'eighty', SCORE_EMA_ALPHA: '2', OPENAI_BASE_URL: 'not a url' });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((i) => i.path).sort()).toEqual(['OPENAI_BASE_URL', 'PORT', 'SCORE_EMA_ALPHA']);

    const half = (() => {
      try {
        parseConfig({ HEDERA_OPERATOR_KEY: 'super-secret-key-value' });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(half.issues).toEqual([
      { path: 'HEDERA_OPERATOR_KEY', message: expect.stringContaining('set together') },
    ]);
    expect(half.message).not.toContain('super-secret-key-value');
  });

  it('gives GITHUB_TOKEN to no URL by default, and takes only https prefixes ending in "/"', () => {
    expect(parseConfig({}).GITHUB_TOKEN_URL_PREFIXES).toEqual([]);
    expect(
      parseConfig({
        GITHUB_TOKEN_URL_PREFIXES: ' https://raw.githubusercontent.com/my-org/ , https://example.com/builds/',
      }).GITHUB_TOKEN_URL_PREFIXES,
    ).toEqual(['https://raw.githubusercontent.com/my-org/', 'https://example.com/builds/']);
    for (const bad of ['https://raw.githubusercontent.com/my-org', 'http://example.com/', 'not a url']) {
      expect(() => parseConfig({ GITHUB_TOKEN_URL_PREFIXES: bad }), bad).toThrow(/GITHUB_TOKEN_URL_PREFIXES/);
    }
  });

  it('lists secret values for redaction', () => {
    const config = parseConfig({ OPENAI_API_KEY: 'sk-test-abcdef', GITHUB_TOKEN: 'ghp_abcdefgh' });
    expect(secretValues(config).sort()).toEqual(['ghp_abcdefgh', 'sk-test-abcdef']);
  });

  it('treats REDIS_URL (and its password alone) as secret in logs and config dumps', () => {
    const config = parseConfig({ REDIS_URL: 'redis://:hunter2-redis-pw@10.0.0.5:6379/0' });
    expect(secretValues(config)).toEqual(
      expect.arrayContaining(['redis://:hunter2-redis-pw@10.0.0.5:6379/0', 'hunter2-redis-pw']),
    );
    const dump = JSON.stringify(redactedConfig(config));
    expect(dump).not.toContain('hunter2-redis-pw');
    expect(redactedConfig(config).REDIS_URL).toBe('[REDACTED]');
    expect(redactedConfig(config).PORT).toBe(8000);
  });
});
