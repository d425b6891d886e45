// Where restore, verify and compare read an archive from, and where verify writes what
// lives beside it: a local path, or an S3 object read in place by ranged GETs. The S3
// module (and the AWS SDK) is loaded only for an s3:// location.
import { resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Env } from '../config/env-file.js';
import { PgbakError } from '../errors.js';
import { isS3Location, LocalFileSource, type ArchiveSource } from '../storage/index.js';
import type { S3ClientOptions } from '../storage/s3/index.js';

/** An archive's location, resolved; close it when done (it may hold an S3 client). */
export type ArchivePlace = LocalPlace | S3Place;

export interface LocalPlace {
  kind: 'local';
  /** Absolute path of the zip. */
  location: string;
  close(): void;
}

export interface S3Place {
  kind: 's3';
  /** `s3://bucket/key`. */
  location: string;
  bucket: string;
  key: string;
  client: S3Client;
  s3: typeof import('../storage/s3/index.js');
  close(): void;
}

/** How to reach a bucket: from the command's environment (the default), or a run's storage settings. */
export interface PlaceOptions {
  cwd: string;
  env: Env;
  /** Client options for S3 (`run --verify` passes its storage's endpoint and region); default: from `env`. */
  s3Client?: S3ClientOptions | undefined;
}

/** Resolves `location` (a path against `cwd`, or `s3://bucket/key`); opens nothing but an S3 client. */
export async function resolveArchivePlace(location: string, options: PlaceOptions): Promise<ArchivePlace> {
  if (!isS3Location(location)) return { kind: 'local', location: resolve(options.cwd, location), close: () => undefined };
  const s3 = await import('../storage/s3/index.js');
  const parsed = s3.parseS3Url(location);
  if (parsed === null || parsed.key.endsWith('/')) {
    throw new PgbakError('USAGE', `${location} is not an S3 object URL`, { hint: 'write s3://bucket/path/to/backup.zip' });
  }
  const client = s3.createS3Client(options.s3Client ?? s3.s3ClientOptionsFromEnv(options.env));
  return { kind: 's3', location: `s3://${parsed.bucket}/${parsed.key}`, ...parsed, client, s3, close: () => client.destroy() };
}

/**
 * Opens the archive's bytes: a local file (fs errors as they are, for the caller to
 * name), or the S3 object by HEAD (a missing one is ARCHIVE_INVALID, as a missing file).
 */
export async function openPlaceSource(place: ArchivePlace): Promise<ArchiveSource> {
  if (place.kind === 'local') return LocalFileSource.open(place.location);
  return place.s3.S3Source.open(place.client, place.bucket, place.key);
}

/** Reads the small file or object `<archive><suffix>` as text; null when there is none. */
export async function readBeside(place: ArchivePlace, suffix: string): Promise<string | null> {
  if (place.kind === 's3') return place.s3.getSmallObject(place.client, place.bucket, `${place.key}${suffix}`);
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(`${place.location}${suffix}`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
