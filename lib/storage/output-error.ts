import { PgbakError } from '../errors.js';

const reasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a parent of it is not a directory',
  EISDIR: 'is a directory',
  ENOENT: 'no such file or directory',
  EEXIST: 'already exists',
  EIO: 'input/output error',
};

/** Turns a file-system error into a short reason such as "permission denied (EACCES)". */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && reasons[code] !== undefined) return `${reasons[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

/** The error every write failure of the archive turns into: where, why, and what to do. */
export function outputNotWritable(dir: string, cause: unknown): PgbakError {
  return new PgbakError('OUTPUT_NOT_WRITABLE', `cannot write to ${dir}: ${describeFsError(cause)}`, {
    hint: 'Choose an output directory that exists or can be created, is writable by this user and has free space',
    cause,
  });
}

/** Whether `error` is the archive's own write failure (disk full, permissions) rather than its producer's. */
export function isOutputFailure(error: unknown): error is PgbakError {
  return error instanceof PgbakError && error.code === 'OUTPUT_NOT_WRITABLE';
}
