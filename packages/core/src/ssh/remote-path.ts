import { InvalidInputError } from '../errors.ts';

const MAX_REMOTE_PATH_LENGTH = 1024;

/**
 * Checks a path on the VM before SFTP sees it. Absolute paths are taken as given; relative ones
 * (and `~/x`) resolve under the SSH user's home, which is where an SFTP session starts.
 */
export function validateRemotePath(remotePath: string, field = 'remotePath'): string {
  if (remotePath.length === 0 || remotePath.length > MAX_REMOTE_PATH_LENGTH) {
    throw new InvalidInputError(field, `must be 1–${MAX_REMOTE_PATH_LENGTH} characters`);
  }
  if (/[\u0000-\u001f\u007f]/.test(remotePath)) {
    throw new InvalidInputError(field, 'must not contain control characters (NUL, newline, …)');
  }
  const relative = remotePath === '~' ? '' : remotePath.startsWith('~/') ? remotePath.slice(2) : remotePath;
  if (relative.startsWith('~')) {
    throw new InvalidInputError(field, 'only ~/ (the SSH user home) is supported, not ~user');
  }
  const segments = relative.split('/');
  if (segments.includes('..')) {
    throw new InvalidInputError(field, 'must not contain ".." segments');
  }
  const normalized = segments.filter((s) => s !== '' && s !== '.').join('/');
  if (normalized === '') {
    throw new InvalidInputError(field, 'must name a file');
  }
  return relative.startsWith('/') ? `/${normalized}` : normalized;
}

/** The one directory (under the SSH user's home) that operator uploads may write in, on every VM. */
export const UPLOAD_WORKDIR = 'tensornode-files';

/**
 * A path inside the upload working directory: relative, without `~` or `..`. Returns its
 * segments (directories, then the file name). Symlinks are checked on the VM itself.
 */
export function validateWorkdirPath(remotePath: string, field = 'remotePath'): string[] {
  const checked = validateRemotePath(remotePath, field);
  if (remotePath.startsWith('/') || remotePath.startsWith('~')) {
    throw new InvalidInputError(
      field,
      `must be a path relative to the VM's upload directory (~/${UPLOAD_WORKDIR}), not absolute or ~/`,
    );
  }
  return checked.split('/');
}
