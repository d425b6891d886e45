import { resolve } from 'node:path';
import type { Env } from '../config/env-file.js';
import { parseStorageUrl, type S3Storage } from '../config/storage.js';
import { PgbakError } from '../errors.js';
import { FolderRepository } from './local/folder-repository.js';
import { isS3Location } from './open-source.js';
import type { BackupRepository } from './repository.js';
import type { S3ClientOptions } from './s3-client-options.js';

/**
 * The repository a `list`/`status`/`prune` location names: `s3://bucket/prefix/` (the
 * prefix gets its trailing "/"; placeholders are not expanded: a key may hold braces), or
 * a folder resolved against `cwd`. The S3 module (and the AWS SDK) is only loaded for s3://.
 */
export async function openRepository(location: string, options: { env: Env; cwd: string; flag?: string }): Promise<BackupRepository> {
  if (!isS3Location(location)) return new FolderRepository(resolve(options.cwd, location));
  let where;
  try {
    where = parseStorageUrl(location, options.cwd, options.env);
  } catch (error) {
    throw new PgbakError('USAGE', `${options.flag ?? 'the location'} ${location}: not a bucket URL`, { hint: 'write s3://bucket/prefix/ (3-63 lowercase letters, digits, "." or "-")', cause: error });
  }
  if (where.kind !== 's3') throw new PgbakError('USAGE', `${location} is not a bucket URL`, { hint: 'write s3://bucket/prefix/' });
  return openS3Repository({ ...where, prefix: withSlash(where.prefix) }, options.env);
}

/**
 * A bucket and an expanded prefix as a repository, with a client of its own made from the
 * storage's region/endpoint and the environment's credentials (else the SDK's chain).
 */
export async function openS3Repository(where: S3Storage, env: Env): Promise<BackupRepository> {
  const s3 = await import('./s3/index.js');
  const client = s3.createS3Client(s3ClientOptionsFor(where, s3.s3ClientOptionsFromEnv(env)));
  return new s3.S3Repository(client, where.bucket, where.prefix, { ownsClient: true });
}

function withSlash(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/**
 * A storage entry's client options: its region, endpoint and addressing over what the
 * environment says (credentials, retries, timeouts). Type-only: no SDK loaded here.
 */
export function s3ClientOptionsFor(where: S3Storage, fromEnv: S3ClientOptions): S3ClientOptions {
  return {
    ...fromEnv,
    region: where.region,
    ...(where.endpoint !== undefined && { endpoint: where.endpoint }),
    ...(where.forcePathStyle !== undefined && { forcePathStyle: where.forcePathStyle }),
  };
}
