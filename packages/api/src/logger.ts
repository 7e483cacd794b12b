import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Config, secretValues } from '@tensornode/core';
import pino, { type Logger } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.apiKey',
  '*.privateKey',
  '*.token',
  '*.secret',
];

/**
 * pino to stdout (pretty only on a TTY is left to `pino-pretty` piping) and, with LOG_FILE, to a
 * file too. Authorization headers are redacted by path; secret configuration values are scrubbed
 * from every line, wherever they appear.
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'LOG_FILE'> & Partial<Config>): Logger {
  const secrets = secretValues(config as Config);
  const streams: pino.StreamEntry[] = [{ stream: pino.destination({ dest: 1, sync: false }) }];
  if (config.LOG_FILE) {
    createPrivateFile(config.LOG_FILE);
    streams.push({ stream: pino.destination({ dest: config.LOG_FILE, mkdir: true, sync: false }) });
  }
  return pino(
    {
      level: config.LOG_LEVEL,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: secrets.length
        ? {
            streamWrite: (line) =>
              secrets.reduce((out, secret) => out.replaceAll(secret, '[REDACTED]'), line),
          }
        : {},
    },
    pino.multistream(streams),
  );
}

/** Logs name VMs, miners and callers: the file is its owner's alone (mode 0600), also if it existed. */
function createPrivateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}
