import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.ts';
import { bashWords } from '../testkit/shell-words.ts';
import { withRemoteDeadline } from './executor.ts';
import { redactSecrets, shellQuote } from './shell-quote.ts';

const run = promisify(execFile);
const word = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: fc.constantFrom(...`'"\\$\`;|&()<>{}[]*?!~#\n\t =%^`.split('')), maxLength: 30 }),
  )
  .filter((s) => !/\p{Cs}/u.test(s) && !s.includes('\0'));
const BATCH = 50;

describe('shellQuote, read back by a real bash', () => {
  it('yields exactly the original word for any string without NUL', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(word, { minLength: 1, maxLength: 4 }), { minLength: BATCH, maxLength: BATCH }),
        async (cases) => {
          const parsed = await bashWords(cases.map((words) => words.map((w) => shellQuote(w)).join(' ')));
          expect(parsed).toEqual(cases);
        },
      ),
      { numRuns: 50 },
    );
  }, 60_000);

  it('prints command substitutions and separators literally', async () => {
    const nasty = [
      'https://x/$(reboot)',
      ';rm -rf ~',
      "it's",
      'a\nreboot',
      '`id`',
      '$HOME',
      '"$(id)"',
      "'; reboot; '",
    ];
    const [parsed] = await bashWords([nasty.map((w) => shellQuote(w)).join(' ')]);
    expect(parsed).toEqual(nasty);
  });

  it('refuses NUL bytes, which no shell word can carry', () => {
    expect(() => shellQuote('a\0b', 'workdir')).toThrow(InvalidInputError);
  });
});

describe('the remote deadline wrapper', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tensornode-deadline-'));
    await mkdir(join(dir, 'bin'));
    await writeFile(join(dir, 'bin', 'timeout'), '#!/bin/bash\nprintf \'%s\\0\' "$@"\n');
    await chmod(join(dir, 'bin', 'timeout'), 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes the command to the user shell as one untouched argument', async () => {
    const commands = fc.sample(
      word.filter((w) => w.length > 0),
      { numRuns: 300, seed: 42 },
    );
    commands.push(`sh -c 'echo out; echo err >&2; exit 3'`, 'https://x/$(reboot)');
    const script = commands.map((c) => `( ${withRemoteDeadline(c, 1000)} ); printf 'END\\0'`).join('\n');
    await writeFile(join(dir, 'cases.sh'), script);
    const { stdout } = await run('/bin/bash', [join(dir, 'cases.sh')], {
      encoding: 'buffer',
      env: { PATH: join(dir, 'bin'), SHELL: '/bin/sh', LC_ALL: 'C' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const tokens = stdout.toString('utf8').split('\0');
    const cases: string[][] = [];
    let current: string[] = [];
    for (const t of tokens.slice(0, -1)) {
      if (t === 'END') {
        cases.push(current);
        current = [];
      } else current.push(t);
    }
    expect(cases).toEqual(commands.map((c) => ['-s', 'KILL', '1.5', '/bin/sh', '-c', c]));
  });
});

describe('redactSecrets', () => {
  it('removes every occurrence, and a prefix cut off by the output cap', () => {
    const secret = 'ghp_abcdefghijklmnop';
    expect(redactSecrets(`a ${secret} b ${secret}`, [secret])).toBe('a [redacted] b [redacted]');
    expect(redactSecrets(`tail ${secret.slice(0, 9)}`, [secret])).toBe('tail [redacted]');
    expect(redactSecrets('nothing here', [secret])).toBe('nothing here');
  });
});
