import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.ts';
import { recordCommands } from '../testkit/shell-words.ts';
import { buildDeployFromUploadCommand, buildDeployFromUrlCommand, buildStopCommand } from './commands.ts';
import { dockerfileUrlSchema } from './schemas.ts';

const STUBS = ['set', 'read', 'export', 'mkdir', 'cd', 'curl', 'sudo', 'docker'];
const BATCH = 125;
/** NUM_RUNS × BATCH cases go through a real bash, one bash per batch: 20 × 125 = 2,500 per property. */
const NUM_RUNS = 20;

const unicode = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/\p{Cs}/u.test(s));
const urlish = fc.string({
  unit: fc.constantFrom(...`abcXYZ019/?&=%#!*[]~:@+,.-_'"$;|()\`\\ <>{}`),
  maxLength: 30,
});
const host = fc.oneof(
  fc.constantFrom(
    'example.com',
    '127.0.0.1',
    'bücher.example',
    'raw.githubusercontent.com',
    '[::1]',
    'h:8080',
  ),
  fc.domain(),
);
const url = fc
  .tuple(
    fc.constantFrom('http', 'https', 'HTTPS', 'ftp', 'file'),
    host,
    fc.oneof(unicode, urlish),
    fc.oneof(unicode, urlish),
  )
  .map(([scheme, h, path, query]) => `${scheme}://${h}/${path}?${query}`)
  .filter((u) => dockerfileUrlSchema.safeParse(u).success);
const segment = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/).filter((s) => s !== '..');
const workdir = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
const container = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,30}$/);
const image = fc
  .tuple(
    fc.option(fc.constantFrom('localhost:5000', 'ghcr.io', 'registry.example.com'), { nil: undefined }),
    fc.array(fc.stringMatching(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/), { minLength: 1, maxLength: 3 }),
    fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined }),
  )
  .map(([domain, path, tag]) => `${domain ? `${domain}/` : ''}${path.join('/')}${tag ? `:${tag}` : ''}`)
  .filter((i) => i.length <= 255);
const port = fc.integer({ min: 1, max: 65535 });
/** Tokens long enough that finding one in the command would mean it leaked, not a coincidence. */
const token = fc.option(
  fc.oneof(
    fc.stringMatching(/^ghp_[A-Za-z0-9]{36}$/),
    fc
      .string({ unit: 'binary', minLength: 12, maxLength: 60 })
      .filter((t) => !/\p{Cs}/u.test(t) && !/[\u0000-\u001f\u007f]/.test(t)),
  ),
  { nil: undefined },
);

function buildAndRun(image: string, container: string, port: number, withToken: boolean): string[][] {
  return [
    withToken
      ? [
          'sudo',
          '--preserve-env=GITHUB_TOKEN',
          'docker',
          'build',
          '--secret',
          'id=github_token,env=GITHUB_TOKEN',
          '-t',
          image,
          '.',
        ]
      : ['sudo', 'docker', 'build', '-t', image, '.'],
    ['sudo', 'docker', 'rm', '-f', container],
    [
      'sudo',
      'docker',
      'run',
      '-d',
      '--restart',
      'unless-stopped',
      '--name',
      container,
      '-p',
      `${port}:${port}`,
      image,
    ],
  ];
}

function tokenLines(withToken: boolean): string[][] {
  return withToken
    ? [
        ['read', '-r', 'GITHUB_TOKEN'],
        ['export', 'GITHUB_TOKEN'],
      ]
    : [];
}

describe('docker command builders, parsed by a real bash', () => {
  it('deploy-from-URL runs exactly the intended commands with exactly the given values', async () => {
    const input = fc.record({ dockerfileUrl: url, workdir, image, container, port, githubToken: token });
    await fc.assert(
      fc.asyncProperty(fc.array(input, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        const built = cases.map((c) => buildDeployFromUrlCommand(c));
        const seen = await recordCommands(
          built.map((b) => b.command),
          STUBS,
        );
        cases.forEach((c, i) => {
          const withToken = c.githubToken !== undefined;
          expect(seen[i]).toEqual([
            ['set', '-e'],
            ...tokenLines(withToken),
            ['mkdir', '-p', '--', c.workdir],
            ['cd', '--', c.workdir],
            [
              'curl',
              '-fsSL',
              '--proto',
              '=http,https',
              '--proto-redir',
              '=http,https',
              '--max-redirs',
              '5',
              '-o',
              'Dockerfile',
              new URL(c.dockerfileUrl).href,
            ],
            ...buildAndRun(c.image, c.container, c.port, withToken),
          ]);
          if (c.githubToken) {
            expect(built[i]?.command).not.toContain(c.githubToken);
            expect(built[i]?.stdin).toBe(`${c.githubToken}\n`);
          }
        });
      }),
      { numRuns: NUM_RUNS },
    );
  }, 60_000);

  it('deploy-from-upload and stop run exactly the intended commands', async () => {
    const input = fc.record({ workdir, image, container, port, githubToken: token });
    await fc.assert(
      fc.asyncProperty(fc.array(input, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        const scripts = cases.flatMap((c) => [
          buildDeployFromUploadCommand(c).command,
          buildStopCommand({ container: c.container }).command,
        ]);
        const seen = await recordCommands(scripts, STUBS);
        cases.forEach((c, i) => {
          const withToken = c.githubToken !== undefined;
          expect(seen[2 * i]).toEqual([
            ['set', '-e'],
            ...tokenLines(withToken),
            ['cd', '--', c.workdir],
            ...buildAndRun(c.image, c.container, c.port, withToken),
          ]);
          expect(seen[2 * i + 1]).toEqual([
            ['set', '-e'],
            ['sudo', 'docker', 'stop', c.container],
            ['sudo', 'docker', 'rm', c.container],
          ]);
        });
      }),
      { numRuns: NUM_RUNS },
    );
  }, 60_000);
});

describe('docker command builders reject what no request needs, naming the field', () => {
  const valid = {
    dockerfileUrl: 'https://example.com/Dockerfile',
    workdir: 'miner',
    image: 'miner',
    container: 'miner',
    port: 3000,
  };
  const rejects = (patch: Record<string, unknown>, field: string) => {
    const error = (() => {
      try {
        buildDeployFromUrlCommand({ ...valid, ...patch } as typeof valid);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
  };

  it.each([
    ['https://x/$(reboot)'],
    ['https://x/`reboot`'],
    ['https://x/;rm -rf ~'],
    ['https://x/a\nreboot'],
    ['https://x/a\0b'],
    ['https://x/a b'],
    ["https://x/it's"],
    ['ftp://x/Dockerfile'],
    ['file:///etc/passwd'],
    ['https://user:pass@x/Dockerfile'],
    ['//x/Dockerfile'],
    [';rm -rf ~'],
    [''],
  ])('dockerfileUrl %j', (dockerfileUrl) => rejects({ dockerfileUrl }, 'dockerfileUrl'));

  it.each([
    ['../../etc'],
    ['a/../../b'],
    ['/etc'],
    ['~/x'],
    [';rm -rf ~'],
    ['a\nb'],
    ['a\0b'],
    ['a b'],
    ['$(reboot)'],
    [''],
    ['a//b'],
  ])('workdir %j', (workdir) => rejects({ workdir }, 'workdir'));

  it.each([['-rm'], ['a'], ['a b'], [';rm'], ['a/b'], ['$(x)'], ['a\nb']])('container %j', (container) =>
    rejects({ container }, 'container'),
  );
  it.each([['UPPER'], ['a b'], ['-x'], ['a:tag;rm'], ['a@sha256:00'], ['a\0b']])('image %j', (image) =>
    rejects({ image }, 'image'),
  );
  it.each([[0], [65536], [1.5], [-1], ['3000']])('port %j', (port) => rejects({ port }, 'port'));
  it.each([['a\nb'], ['a\0b'], ['']])('githubToken %j', (githubToken) =>
    rejects({ githubToken }, 'githubToken'),
  );

  it('accepts ordinary GitHub raw URLs with query strings', () => {
    const built = buildDeployFromUrlCommand({
      ...valid,
      dockerfileUrl: 'https://raw.githubusercontent.com/org/repo/main/Dockerfile?token=abc&x=1',
    });
    expect(built.command).toContain(
      `'https://raw.githubusercontent.com/org/repo/main/Dockerfile?token=abc&x=1'`,
    );
  });

  it('keeps the token out of the command and lists it for redaction', () => {
    const built = buildDeployFromUrlCommand({ ...valid, githubToken: 'ghp_SECRETSECRETSECRET' });
    expect(built.command).not.toContain('ghp_SECRET');
    expect(built.secrets).toEqual(['ghp_SECRETSECRETSECRET']);
  });
});
