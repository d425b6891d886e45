// Where a run's archive goes: local folders and S3 (or compatible) buckets. The profile's
// `storage:` list, or `--storage` URLs that replace it; by default the output folder.
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import { PgbakError } from '../errors.js';
import type { Env } from './env-file.js';
import { didYouMean } from './suggest.js';

const name = z.string().min(1);
const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
// Whole numbers may also come as digit strings: ${QUEUE} expands to text.
const wholeNumber = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().min(min).max(max));

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
/** S3's limits on a multipart upload (AWS; compatible stores have the same or lower). */
export const S3_LIMITS = { minPartSize: 5 * MiB, maxPartSize: 5 * GiB, maxParts: 10_000 } as const;

/**
 * The storage classes the AWS SDK knows (`StorageClass` of @aws-sdk/client-s3; a unit test
 * keeps this copy in step: config must not load the SDK). Compatible stores map their own
 * tiers onto these names (R2: STANDARD_IA; Scaleway: ONEZONE_IA, GLACIER).
 */
export const s3StorageClasses = [
  'STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE',
  'REDUCED_REDUNDANCY', 'EXPRESS_ONEZONE', 'OUTPOSTS', 'SNOW', 'FSX_OPENZFS', 'FSX_ONTAP', 'AWS_BACKUP_WARM', 'AWS_BACKUP_LOW_COST_WARM',
] as const;
/** Server-side encryption at rest: SSE-S3 (the store's keys) or SSE-KMS (a KMS key, `kmsKeyId`). */
export const s3Encryptions = ['AES256', 'aws:kms'] as const;
export type S3StorageClass = (typeof s3StorageClasses)[number];
export type S3Encryption = (typeof s3Encryptions)[number];

const units: Record<string, number> = { '': 1, b: 1, kib: KiB, mib: MiB, gib: GiB, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3 };

/** `64MiB`, `1 GiB`, `8388608`: a size in bytes; null when it does not read. */
export function parseByteSize(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  if (typeof value !== 'string') return null;
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(value);
  const unit = match ? units[match[2]!.toLowerCase()] : undefined;
  return match && unit !== undefined ? Number(match[1]) * unit : null;
}

const partSize = z.unknown().transform((value, ctx) => {
  const bytes = parseByteSize(value);
  if (bytes === null) {
    ctx.addIssue({ code: 'custom', message: `expected a size such as 64MiB or 1GiB (or bytes), got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  if (bytes < S3_LIMITS.minPartSize || bytes > S3_LIMITS.maxPartSize) {
    ctx.addIssue({ code: 'custom', message: `a part is 5 MiB to 5 GiB (S3's limits), got ${bytes} bytes` });
    return z.NEVER;
  }
  return bytes;
});

/** A value from a fixed list, refused with the closest one named ("did you mean"). */
function oneOf<T extends string>(what: string, values: readonly T[]) {
  return z.string().refine((value) => (values as readonly string[]).includes(value), {
    error: (issue) => `unknown ${what} ${JSON.stringify(issue.input)}${didYouMean(String(issue.input), values)}; one of ${values.join(', ')}`,
  }) as unknown as z.ZodType<T>;
}

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
    /** The object's storage class (x-amz-storage-class), e.g. STANDARD_IA or GLACIER_IR; default the bucket's (STANDARD). */
    storageClass: oneOf('storage class', s3StorageClasses).optional(),
    /** Server-side encryption at rest: AES256 (SSE-S3) or aws:kms (SSE-KMS, with `kmsKeyId` or the account's default key). */
    sse: oneOf('server-side encryption', s3Encryptions).optional(),
    /** The KMS key (id, ARN or alias/…) for `sse: aws:kms`. */
    kmsKeyId: name.optional(),
    /** Bytes per uploaded part, 5 MiB to 5 GiB (`64MiB`); default chosen from the database size (see docs/storage.md). */
    partSize: partSize.optional(),
    /** The store's limit on parts per upload; default 10000 (AWS), 1000 on Scaleway. */
    maxParts: wholeNumber(1, S3_LIMITS.maxParts).optional(),
    /** Parts uploaded at once; default 4, lowered when parts are large (memory ≈ (queueSize + 1) × partSize). */
    queueSize: wholeNumber(1, 64).optional(),
    /**
     * Every part but the last of one size (partSize): Cloudflare R2 and Garage refuse others.
     * Default true with a custom endpoint, false on AWS S3, where the part being filled goes
     * short when pg_dump's output ends (docs/storage.md). false suits MinIO and Ceph too.
     */
    equalParts: flag.optional(),
  })
  .strict()
  .superRefine((s3, ctx) => {
    if (s3.kmsKeyId !== undefined && s3.sse !== 'aws:kms') {
      ctx.addIssue({ code: 'custom', path: ['kmsKeyId'], message: 'kmsKeyId needs sse: aws:kms' });
    }
  });

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
  storageClass?: S3StorageClass;
  sse?: S3Encryption;
  kmsKeyId?: string;
  /** Upload sizes the profile fixed; what is left out is chosen at run time (storage/upload-sizes.ts). */
  partSize?: number;
  maxParts?: number;
  queueSize?: number;
  /** Every part but the last of partSize (the profile's; default: with a custom endpoint). */
  equalParts?: boolean;
}

/** The upload options of an `s3:` entry, as they travel into {@link S3Storage}. */
export type S3UploadOptions = Pick<S3Storage, 'storageClass' | 'sse' | 'kmsKeyId' | 'partSize' | 'maxParts' | 'queueSize' | 'equalParts'>;

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

function s3Storage(bucket: string, prefix: string, env: Env, options?: z.infer<typeof s3StorageSchema>): S3Storage {
  const endpoint = options?.endpoint ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  const upload: S3UploadOptions = {};
  for (const key of uploadKeys) if (options?.[key] !== undefined) (upload as Record<string, unknown>)[key] = options[key];
  return {
    kind: 's3',
    bucket,
    prefix,
    region: options?.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1',
    ...(endpoint !== undefined && { endpoint }),
    ...(options?.forcePathStyle !== undefined && { forcePathStyle: options.forcePathStyle }),
    ...upload,
  };
}

const uploadKeys = ['storageClass', 'sse', 'kmsKeyId', 'partSize', 'maxParts', 'queueSize', 'equalParts'] as const;

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
 * for the root): the one expansion `run` (every value known) and `list`/`status`/`prune`
 * (only the profile known: a placeholder `values` lacks stays as written) share, so both
 * name the same keys. A value never adds a level or climbs one: "/" and "\" in it become
 * "_", and a value of "." or ".." or nothing is refused, as is a prefix with an empty, "."
 * or ".." segment.
 */
export function expandPrefix(prefix: string, values: Partial<PrefixValues>): string {
  const expanded = prefix.replace(placeholder, (written, key: string) => {
    if (!prefixKeys.includes(key as keyof PrefixValues)) {
      throw new PgbakError('CONFIG_INVALID', `storage prefix "${prefix}": unknown placeholder {${key}}`, { hint: 'use {host}, {database} or {profile}' });
    }
    const given = values[key as keyof PrefixValues];
    if (given === undefined) return written;
    const value = given.replace(/[/\\]/g, '_');
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

const prefixKeys: ReadonlyArray<keyof PrefixValues> = ['host', 'database', 'profile'];

/** The known placeholders a prefix (as written) uses, in order. */
export function prefixPlaceholders(prefix: string): Array<keyof PrefixValues> {
  return [...prefix.matchAll(placeholder)].map((match) => match[1] as keyof PrefixValues).filter((key) => prefixKeys.includes(key));
}

/** The storage's public description, for `plan` and summaries: never credentials (there are none here). */
export function describeStorage(storage: Storage, archiveKey?: string): string {
  return storage.kind === 'local' ? storage.dir : `s3://${storage.bucket}/${archiveKey ?? storage.prefix}`;
}
