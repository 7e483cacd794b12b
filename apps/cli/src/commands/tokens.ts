import { databaseFile } from '@tensornode/api';
import { createApiToken, revokeApiToken } from '@tensornode/core';
import { createTokenRepository, openDatabase, ROLES, type Role } from '@tensornode/db';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { cliConfig } from '../env.ts';

/** Token administration works on the local database directly, so it also rescues a lost admin token. */
export function registerTokenCommands(program: Command): void {
  const tokens = program.command('tokens').description('manage API tokens (works on the local database)');

  tokens
    .command('create')
    .description('create an API token and print its secret once')
    .addOption(new Option('--role <role>', 'viewer, operator or admin').choices(ROLES).makeOptionMandatory())
    .option('--name <name>', 'a label to recognise the token by', 'cli')
    .option(
      '--expires-in-days <days>',
      'refuse the token after this many days (default: never)',
      positiveDays,
    )
    .action((opts: { role: Role; name: string; expiresInDays?: number }) => {
      withDatabase((db) => {
        const { token, record } = createApiToken(
          { db },
          {
            name: opts.name,
            role: opts.role,
            ...(opts.expiresInDays ? { expiresInDays: opts.expiresInDays } : {}),
          },
        );
        const expiry = record.expiresAt ? `, expires ${record.expiresAt.toISOString()}` : '';
        process.stderr.write(
          `Created ${record.role} token "${record.name}" (id ${record.id}${expiry}). The secret is shown once:\n`,
        );
        process.stdout.write(`${token}\n`);
      });
    });

  tokens
    .command('list')
    .description('list API tokens (never their secrets)')
    .action(() => {
      withDatabase((db) => {
        const rows = createTokenRepository(db).list();
        console.table(
          rows.map((t) => ({
            id: t.id,
            name: t.name,
            role: t.role,
            prefix: t.prefix,
            created: t.createdAt.toISOString(),
            revoked: t.revokedAt?.toISOString() ?? '',
            expires: t.expiresAt?.toISOString() ?? '',
          })),
        );
      });
    });

  tokens
    .command('revoke <id>')
    .description('revoke an API token by id')
    .action((id: string) => {
      withDatabase((db) => {
        const revoked = revokeApiToken({ db }, { id });
        process.stderr.write(`Revoked token "${revoked.name}".\n`);
      });
    });
}

function positiveDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3650)
    throw new InvalidArgumentError('must be a whole number of days, 1–3650');
  return n;
}

function withDatabase(fn: (db: ReturnType<typeof openDatabase>['db']) => void): void {
  const handle = openDatabase({ path: databaseFile(cliConfig()) });
  try {
    fn(handle.db);
  } finally {
    handle.close();
  }
}
