// Where a run's archive goes: local folders and S3 (or compatible) buckets. The profile's
// `storage:` list, or `--storage` URLs that replace it; by default the output folder.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { PgbakError } from '../errors.js';
import type { Env } from './env-file.js';

const name = z.string().min(1);
const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/** A local folder that gets a copy of the archive. */
export const localStorageSchema = z
  .object({
    /** The folder (relative to the current folder), created when missing. */
    dir: name,
  })
  .strict();

/** An S3 (or S3-compatible) bucket. Credentials never come from here: the AWS chain (AWS_ACCESS_KEY_ID…, shared files, web identity, instance metadata). */
export const s3StorageSchema = z
  .object({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'a bucket name: 3-63 lowercase letters, digits, "." or "-"'),
    /** Key prefix; `{host}`, `{database}`, `{profile}` are replaced. A trailing "/" is added when missing. */
    prefix: z.string().optional(),
    /** AWS region (default AWS_REGION, else us-east-1). */
    region: name.optional(),
    /** A custom endpoint (MinIO, Ceph, R2, B2…); default AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS. */
    endpoint: z.string().url().optional(),
    /** Bucket in the path rather than the host name; default true with a custom endpoint. */
    forcePathStyle: flag.optional(),
  })
  .strict();

/** One entry of `storage:`: exactly one of `local` or `s3`. */
export const storageEntrySchema = z
  .object({ local: localStorageSchema.optional(), s3: s3StorageSchema.optional() })
  .strict()
  .superRefine((entry, ctx) => {
    if ((entry.local === undefined) === (entry.s3 === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'each storage entry is either { local: { dir } } or { s3: { bucket, … } }' });
    }
  });

export const storageSchema = z.array(storageEntrySchema).min(1);
export type StorageEntry = z.infer<typeof storageEntrySchema>;

/** A local copy, its folder resolved. */
export interface LocalStorage {
  kind: 'local';
  dir: string;
}

/** A bucket, before the prefix's placeholders are replaced (that needs the plan). */
export interface S3Storage {
  kind: 's3';
  bucket: string;
  /** As written, placeholders included; '' for the bucket's root. */
  prefix: string;
  region: string;
  /** Profile `endpoint:`, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL (from the run's environment). */
  endpoint?: string;
  forcePathStyle?: boolean;
}

export type Storage = LocalStorage | S3Storage;

/**
 * The run's storage: `--storage` URLs replace the profile's list; without either, the
 * output folder. Relative local folders resolve against `cwd`.
 */
export function resolveStorage(options: { cwd: string; env: Env; flags?: readonly string[] | undefined; profile?: readonly StorageEntry[] | undefined; outputDir: string }): Storage[] {
  const { cwd, env } = options;
  if (options.flags !== undefined && options.flags.length > 0) return options.flags.map((url) => parseStorageUrl(url, cwd, env));
  if (options.profile === undefined) return [{ kind: 'local', dir: options.outputDir }];
  return options.profile.map((entry) =>
    entry.local ? { kind: 'local', dir: resolve(cwd, entry.local.dir) } : s3Storage(entry.s3!.bucket, entry.s3!.prefix ?? '', env, entry.s3),
  );
}

/** `s3://bucket/prefix/` is a bucket; anything else is a local folder. */
export function parseStorageUrl(url: string, cwd: string, env: Env): Storage {
  if (url === '') throw new PgbakError('USAGE', '--storage is empty', { hint: 'give s3://bucket/prefix/ or a folder' });
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(url);
  if (!match) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
      throw new PgbakError('USAGE', `--storage ${url}: unknown scheme`, { hint: 'give s3://bucket/prefix/ or a local folder' });
    }
    return { kind: 'local', dir: isAbsolute(url) ? url : resolve(cwd, url) };
  }
  const parsed = s3StorageSchema.shape.bucket.safeParse(match[1]);
  if (!parsed.success) {
    throw new PgbakError('USAGE', `--storage ${url}: "${match[1]}" is not a bucket name`, { hint: 'write s3://bucket/prefix/ (3-63 lowercase letters, digits, "." or "-")' });
  }
  return s3Storage(parsed.data, match[2] ?? '', env);
}

function s3Storage(bucket: string, prefix: string, env: Env, options?: { region?: string | undefined; endpoint?: string | undefined; forcePathStyle?: boolean | undefined }): S3Storage {
  const endpoint = options?.endpoint ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  return {
    kind: 's3',
    bucket,
    prefix,
    region: options?.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1',
    ...(endpoint !== undefined && { endpoint }),
    ...(options?.forcePathStyle !== undefined && { forcePathStyle: options.forcePathStyle }),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** What the placeholders of a prefix stand for. */
export interface PrefixValues {
  host: string;
  database: string;
  profile: string;
}

const placeholder = /\{([^{}]*)\}/g;

/**
 * The prefix with `{host}`, `{database}` and `{profile}` replaced, ending in "/" (or ''
 * for the root). A value never adds a level or climbs one: "/" and "\" in it become "_",
 * and a value of "." or ".." or nothing is refused, as is a prefix with an empty, "." or
 * ".." segment.
 */
export function expandPrefix(prefix: string, values: PrefixValues): string {
  const expanded = prefix.replace(placeholder, (_, key: string) => {
    if (!(key in values)) {
      throw new PgbakError('CONFIG_INVALID', `storage prefix "${prefix}": unknown placeholder {${key}}`, { hint: 'use {host}, {database} or {profile}' });
    }
    const value = values[key as keyof PrefixValues].replace(/[/\\]/g, '_');
    if (value === '' || value === '.' || value === '..') {
      throw new PgbakError('CONFIG_INVALID', `storage prefix "${prefix}": {${key}} is "${value}", which cannot be a key segment`);
    }
    return value;
  });
  if (expanded === '') return '';
  const trimmed = expanded.replace(/\/$/, '');
  for (const segment of trimmed.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new PgbakError('CONFIG_INVALID', `storage prefix "${prefix}" has an empty, "." or ".." segment`, { hint: 'write it like pg/{host}/{database}/' });
    }
  }
  return `${trimmed}/`;
}

/** The storage's public description, for `plan` and summaries: never credentials (there are none here). */
export function describeStorage(storage: Storage, archiveKey?: string): string {
  return storage.kind === 'local' ? storage.dir : `s3://${storage.bucket}/${archiveKey ?? storage.prefix}`;
}
