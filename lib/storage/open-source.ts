import { resolve } from 'node:path';
import type { Env } from '../config/env-file.js';
import { PgbakError } from '../errors.js';
import { LocalFileSource, type ArchiveSource } from './source.js';

/** Whether an archive argument names an S3 object (`s3://bucket/key`) rather than a local path. */
export function isS3Location(location: string): boolean {
  return location.startsWith('s3://');
}

/**
 * Where an archive argument points: `s3://bucket/key` or a local path (resolved
 * against `cwd`). Decided by the text alone; nothing is opened.
 */
export function parseArchiveLocation(location: string, cwd: string): { type: 's3'; url: string } | { type: 'local'; path: string } {
  return isS3Location(location) ? { type: 's3', url: location } : { type: 'local', path: resolve(cwd, location) };
}

/**
 * Opens an archive source: a local file, or an S3 object with a client made from the
 * command's environment. The S3 module (and the AWS SDK) is only loaded for `s3://`.
 * Local open errors are the fs errors (ENOENT…), for the caller to name.
 */
export async function openArchiveSource(location: string, options: { env: Env; cwd: string }): Promise<ArchiveSource> {
  const where = parseArchiveLocation(location, options.cwd);
  if (where.type === 'local') return LocalFileSource.open(where.path);
  const s3 = await import('./s3/index.js');
  const parsed = s3.parseS3Url(where.url);
  if (parsed === null) {
    throw new PgbakError('USAGE', `${location} is not an S3 object URL`, { hint: 'write s3://bucket/path/to/backup.zip' });
  }
  const client = s3.createS3Client(s3.s3ClientOptionsFromEnv(options.env));
  return s3.S3Source.open(client, parsed.bucket, parsed.key, { ownsClient: true });
}
