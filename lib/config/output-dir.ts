import { resolve } from 'node:path';
import { PgbakError } from '../errors.js';
import type { Env } from './env-file.js';

/**
 * The folder backups go to: `--output-dir` > `PGBAK_OUTPUT_DIR` > the profile's
 * `outputDir` > `./backups`, resolved against `cwd`. An empty flag or variable is
 * refused: resolved, it would silently mean the current folder.
 */
export function resolveOutputDir(options: { cwd: string; env: Env; flag?: string | undefined; profile?: string | undefined }): string {
  if (options.flag === '') throw empty('--output-dir');
  if (options.flag === undefined && options.env.PGBAK_OUTPUT_DIR === '') throw empty('PGBAK_OUTPUT_DIR');
  return resolve(options.cwd, options.flag ?? options.env.PGBAK_OUTPUT_DIR ?? options.profile ?? 'backups');
}

function empty(what: string): PgbakError {
  return new PgbakError('USAGE', `${what} is empty`, {
    hint: `name a folder (e.g. ${what === '--output-dir' ? '--output-dir ./backups' : 'PGBAK_OUTPUT_DIR=/var/backups/pgbak'}), or leave it out for the profile's outputDir or ./backups`,
  });
}
