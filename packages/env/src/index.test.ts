import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnvError, parseEnv } from './index.ts';

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8000),
  HOST: z.string().default('127.0.0.1'),
  NAME: z.string().min(3),
});

describe('parseEnv', () => {
  it('applies defaults and treats an empty variable as unset', () => {
    expect(parseEnv(schema, { PORT: '', HOST: '  ', NAME: 'node', OTHER: 'ignored' })).toEqual({
      PORT: 8000,
      HOST: '127.0.0.1',
      NAME: 'node',
    });
  });

  it('names every bad variable in one error', () => {
    const error = (() => {
      try {
        parseEnv(schema, { PORT: 'abc', NAME: 'x' }, 'devnet environment');
      } catch (e) {
        return e;
      }
    })() as EnvError;
    expect(error).toBeInstanceOf(EnvError);
    expect(error.issues.map((i) => i.path).sort()).toEqual(['NAME', 'PORT']);
    expect(error.message).toMatch(/^Invalid devnet environment:\n {2}(PORT|NAME): /);
  });
});
