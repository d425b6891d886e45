import { createHash } from 'node:crypto';
import { DeleteObjectsCommand, ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client, type _Object } from '@aws-sdk/client-s3';
import { PgbakError } from '../../errors.js';
import type { BackupRepository, DeleteOutcome, RepositoryObject } from '../repository.js';
import type { ArchiveSource } from '../source.js';
import { describeS3Error, s3Failed } from './s3-error.js';
import { getSmallObject, putSmallObject } from './s3-objects.js';
import { S3Source } from './s3-source.js';

/** S3 answers at most 1,000 keys per DeleteObjects. */
const DELETE_BATCH = 1000;

/** `s3://bucket/prefix/` split, the prefix ending in "/" (or '' for the bucket's root); null for anything else. */
export function parseS3Prefix(url: string): { bucket: string; prefix: string } | null {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match) return null;
  const prefix = match[2] ?? '';
  return { bucket: match[1]!, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/**
 * A bucket and a prefix as a backup repository: the keys directly under the prefix
 * (ListObjectsV2 with Delimiter "/", page after page), read by ranged GETs, deleted
 * with DeleteObjects in batches of up to 1,000 keys.
 */
export class S3Repository implements BackupRepository {
  readonly kind = 's3' as const;
  readonly location: string;
  readonly folder = null;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
    private readonly options: { ownsClient?: boolean } = {},
  ) {
    this.location = `s3://${bucket}/${prefix}`;
  }

  locate(name: string): string {
    return `s3://${this.bucket}/${this.prefix}${name}`;
  }

  /** Every key directly under the prefix; "folders" below it (CommonPrefixes) are not objects. */
  async list(): Promise<RepositoryObject[]> {
    const found: RepositoryObject[] = [];
    for await (const page of this.pages()) {
      for (const object of page.Contents ?? []) {
        const entry = objectOf(object, this.prefix);
        if (entry) found.push(entry);
      }
    }
    return found;
  }

  async subfolders(): Promise<string[]> {
    const found: string[] = [];
    for await (const page of this.pages()) {
      for (const common of page.CommonPrefixes ?? []) {
        const name = common.Prefix?.slice(this.prefix.length).replace(/\/$/, '');
        if (name && !name.startsWith('.') && !name.includes('/')) found.push(name);
      }
    }
    return found.sort();
  }

  /** The listing of the prefix with '/' as delimiter, page by page. */
  private async *pages(): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, Delimiter: '/', ...(token !== undefined && { ContinuationToken: token }) }),
        );
      } catch (error) {
        throw readFailed('list', this.location, error);
      }
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  child(name: string): S3Repository {
    return new S3Repository(this.client, this.bucket, `${this.prefix}${name}/`);
  }

  /**
   * A missing object (gone since the listing) fails as ARCHIVE_INVALID, like a missing file;
   * the storage refusing or not answering (AccessDenied, 5xx, the network) as OUTPUT_UNREADABLE:
   * that says nothing about the object, and a listing must not pass it off as "not a backup".
   */
  async openSource(name: string): Promise<ArchiveSource> {
    try {
      return await S3Source.open(this.client, this.bucket, this.prefix + name);
    } catch (error) {
      const { code, status } = describeS3Error(error instanceof PgbakError ? error.cause : error);
      if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) throw error;
      throw readFailed('read', this.locate(name), error instanceof PgbakError && error.cause !== undefined ? error.cause : error);
    }
  }

  async readSmall(name: string, maxBytes?: number): Promise<string | null> {
    try {
      return await getSmallObject(this.client, this.bucket, this.prefix + name, maxBytes);
    } catch (error) {
      throw readFailed('read', this.locate(name), error);
    }
  }

  writeSmall(name: string, body: string, options: { signal?: AbortSignal; contentType?: string } = {}): Promise<void> {
    return putSmallObject(this.client, this.bucket, this.prefix + name, body, options.contentType, options.signal);
  }

  /**
   * DeleteObjects, 1,000 keys at a time (Quiet: the answer lists only the failures).
   * A key the storage refused gets its code and message; a batch that failed whole
   * (AccessDenied, the network) gives each of its keys that error, and the next batch
   * is still tried.
   */
  async deleteMany(names: readonly string[]): Promise<DeleteOutcome[]> {
    const outcomes: DeleteOutcome[] = [];
    for (let i = 0; i < names.length; i += DELETE_BATCH) {
      const batch = names.slice(i, i + DELETE_BATCH);
      const errors = new Map<string, string>();
      try {
        const command = new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((name) => ({ Key: this.prefix + name })), Quiet: true } });
        addContentMd5(command);
        const answer = await this.client.send(command);
        for (const failed of answer.Errors ?? []) {
          if (failed.Key !== undefined) errors.set(failed.Key.slice(this.prefix.length), `${failed.Code ?? 'UnknownError'}${failed.Message ? `: ${failed.Message}` : ''}`);
        }
      } catch (error) {
        const message = s3Failed('delete objects in', this.location, error).message;
        for (const name of batch) errors.set(name, message);
      }
      for (const name of batch) outcomes.push({ name, error: errors.get(name) ?? null });
    }
    return outcomes;
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) this.client.destroy();
  }
}

function objectOf(object: _Object, prefix: string): RepositoryObject | null {
  if (object.Key === undefined || !object.Key.startsWith(prefix)) return null;
  const name = object.Key.slice(prefix.length);
  // The prefix itself (a "folder" marker some consoles create) and anything deeper are not ours to list.
  if (name === '' || name.includes('/')) return null;
  return { name, size: object.Size ?? 0, lastModified: object.LastModified ?? null, regular: true };
}

// S3 requires an integrity header on DeleteObjects. With checksums "when required" the SDK
// sends a CRC32 header, which several S3-compatible stores do not accept in place of the
// Content-MD5 they ask for; sending both satisfies either kind.
function addContentMd5(command: DeleteObjectsCommand): void {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { body?: unknown; headers?: Record<string, string> };
      if (typeof request.body === 'string' || request.body instanceof Uint8Array) {
        request.headers = { ...request.headers, 'content-md5': createHash('md5').update(request.body).digest('base64') };
      }
      return next(args);
    },
    { step: 'build', name: 'pgbakDeleteObjectsContentMd5', priority: 'low' },
  );
}

// A listing or a read that fails says what could not be read: exit 1, with the store's code.
function readFailed(action: string, location: string, error: unknown): PgbakError {
  if (error instanceof PgbakError && error.code !== 'OUTPUT_NOT_WRITABLE') return error;
  const failed = error instanceof PgbakError ? error : s3Failed(action, location, error);
  const { code, status } = describeS3Error(error instanceof PgbakError ? error.cause : error);
  // A HEAD answers 403 without a body: no code but the status.
  const hint = code === 'AccessDenied' || status === 403 ? 'Check the credentials the AWS SDK finds (AWS_PROFILE, AWS_ACCESS_KEY_ID…) and that their policy allows s3:ListBucket and s3:GetObject on this bucket' : failed.hint;
  return new PgbakError('OUTPUT_UNREADABLE', failed.message, { ...(hint !== undefined && { hint }), cause: error });
}
