import { PgbakError } from '../../errors.js';

/**
 * The key does not open the file: no identity matches a recipient, a wrong passphrase,
 * a key file that does not read. Exit 2: a configuration to fix, nothing was read.
 */
export function keyProblem(message: string, hint: string): PgbakError {
  return new PgbakError('ENCRYPTION_KEY', message, { hint });
}

/**
 * The encrypted bytes fail their authentication or end early: the file was altered,
 * damaged or truncated. Exit 3: a check found a problem; no byte of it is trusted.
 */
export function ageCorrupt(location: string, reason: string): PgbakError {
  return new PgbakError('ARCHIVE_TAMPERED', `${location} is not a valid age file: ${reason}`, {
    hint: 'the encrypted archive was altered, damaged or cut short; nothing from it was used. Use another backup.',
  });
}
