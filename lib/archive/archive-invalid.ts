import { PgbakError, type PgbakErrorOptions } from '../errors.js';

const DEFAULT_HINT =
  'Check the path; a file ending in .partial is an unfinished backup, and a damaged archive cannot be repaired.';

/** The error for an archive that cannot be read or trusted: "<path> is not a readable pgbak archive: <reason>". */
export function archiveInvalid(path: string, reason: string, options: PgbakErrorOptions = {}): PgbakError {
  return new PgbakError('ARCHIVE_INVALID', `${path} is not a readable pgbak archive: ${reason}`, {
    hint: DEFAULT_HINT,
    ...options,
  });
}
