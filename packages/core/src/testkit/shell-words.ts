import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One executed command as the shell saw it: argv[0] and its arguments, byte for byte. */
export type Argv = string[];

/**
 * Runs many shell scripts in ONE real bash and returns, per script, the argv of every command it
 * executed. Every command name in `stubs` is a function that only records its argv; PATH points at
 * an empty directory and anything else that runs is recorded as `NOTFOUND …`, so an injected command
 * shows up as an extra entry instead of running. Words may hold any bytes but NUL.
 */
export async function recordCommands(scripts: string[], stubs: string[]): Promise<Argv[][]> {
  const dir = await mkdtemp(join(tmpdir(), 'tensornode-shell-words-'));
  try {
    const lines = [
      '_rec() { printf \'%s\\0\' "$#" "$@" >&3; }',
      'command_not_found_handle() { _rec NOTFOUND "$@"; return 127; }',
      ...stubs.map((name) => `${name}() { _rec ${name} "$@"; }`),
      'exec 3>&1',
    ];
    for (const script of scripts) {
      // A brace group, not a subshell: no fork per case. A script that exits early ends the run,
      // which shows up as missing cases.
      lines.push("printf 'CASE\\0' >&3", `{\n${script}\n}`, "printf 'END\\0' >&3");
    }
    const file = join(dir, 'cases.sh');
    await writeFile(file, `${lines.join('\n')}\n`);
    await chmod(file, 0o600);
    const { stdout } = await run('/bin/bash', [file], {
      encoding: 'buffer',
      env: { PATH: join(dir, 'empty'), LC_ALL: 'C', HOME: dir },
      maxBuffer: 256 * 1024 * 1024,
    });
    return parseRecords(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `printf '%s\0'` of each word in one bash: what the shell reads back from quoted words. */
export async function bashWords(quotedWordLists: string[]): Promise<string[][]> {
  const scripts = quotedWordLists.map((words) => `words ${words}`);
  const cases = await recordCommands(scripts, ['words']);
  return cases.map((records) =>
    records.length === 1 && records[0] ? records[0].slice(1) : [`<${records.length} commands>`],
  );
}

function parseRecords(out: Buffer): Argv[][] {
  const tokens: string[] = [];
  let start = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 0) {
      tokens.push(out.subarray(start, i).toString('utf8'));
      start = i + 1;
    }
  }
  const cases: Argv[][] = [];
  let current: Argv[] | null = null;
  for (let i = 0; i < tokens.length; ) {
    const token = tokens[i++] as string;
    if (token === 'CASE') {
      current = [];
      continue;
    }
    if (token === 'END') {
      if (current) cases.push(current);
      current = null;
      continue;
    }
    const count = Number(token);
    if (!current || !Number.isInteger(count)) throw new Error(`unexpected shell output near token ${i}`);
    current.push(tokens.slice(i, i + count));
    i += count;
  }
  return cases;
}
