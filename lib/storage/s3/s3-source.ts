import { Readable } from 'node:stream';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PgbakError } from '../../errors.js';
import type { ArchiveSource } from '../source.js';
import { describeS3Error, s3Failed } from './s3-error.js';

const FIRST_WINDOW = 256 * 1024;
const MAX_WINDOW = 16 * 1024 * 1024;

/** `s3://bucket/key` split, or null for anything else. */
export function parseS3Url(url: string): { bucket: string; key: string } | null {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  return match ? { bucket: match[1]!, key: match[2]! } : null;
}

/**
 * An S3 object read by ranged GETs (`Range: bytes=a-b`), its size from HeadObject.
 * Each readStream is one GetObject; destroying the stream aborts that request.
 */
export class S3Source implements ArchiveSource {
  readonly location: string;
  private closed = false;

  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    readonly size: number,
    private readonly etag: string | undefined,
    private readonly ownsClient: boolean,
  ) {
    this.location = `s3://${bucket}/${key}`;
  }

  /** HEADs the object; a missing one is ARCHIVE_INVALID like a missing file, other failures name the S3 error code. */
  static async open(client: S3Client, bucket: string, key: string, options: { ownsClient?: boolean } = {}): Promise<S3Source> {
    const location = `s3://${bucket}/${key}`;
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return new S3Source(client, bucket, key, head.ContentLength ?? 0, head.ETag, options.ownsClient ?? false);
    } catch (error) {
      // A HEAD answers 404 with no body for a missing bucket too: ask the bucket which it is.
      const missingBucket = describeS3Error(error).status === 404 && !(await bucketExists(client, bucket));
      if (options.ownsClient) client.destroy();
      if (missingBucket) {
        throw new PgbakError('ARCHIVE_INVALID', `${location} is not a readable pgbak archive: no such bucket (NoSuchBucket)`, {
          hint: 'Check the bucket name, and the endpoint and region (AWS_ENDPOINT_URL_S3, AWS_REGION)',
          cause: error,
        });
      }
      throw readFailed(location, error);
    }
  }

  readStream(start: number, end: number): Readable {
    const controller = new AbortController();
    let body: Readable | undefined;
    const self = this;
    // Windows of growing size, each one GET, the next asked for once the last is consumed:
    // a reader that stops early (pg_restore --list reads a dump's table of contents) has
    // fetched at most one window more than it used, not the whole entry.
    async function* chunks(): AsyncGenerator<Buffer> {
      let window = FIRST_WINDOW;
      for (let from = start; from < end; from += window, window = Math.min(window * 2, MAX_WINDOW)) {
        const to = Math.min(from + window, end);
        body = await self.get(from, to, controller.signal);
        let got = 0;
        try {
          for await (const chunk of body) {
            got += (chunk as Buffer).length;
            yield chunk as Buffer;
          }
        } catch (error) {
          throw readFailed(self.location, error);
        }
        if (got !== to - from) {
          throw new PgbakError('ARCHIVE_INVALID', `cannot read ${self.location}: asked for bytes ${from}-${to - 1}, got ${got} bytes`, {
            hint: 'the object changed or the storage answered short; try again',
          });
        }
        window = to - from;
      }
    }
    const stream = Readable.from(chunks(), { objectMode: false });
    stream.once('close', () => {
      controller.abort();
      body?.destroy();
    });
    return stream;
  }

  /** One ranged GET of `[from, to)`; the object must still be the one HEAD saw (If-Match its ETag). */
  private async get(from: number, to: number, signal: AbortSignal): Promise<Readable> {
    const input = { Bucket: this.bucket, Key: this.key, Range: `bytes=${from}-${to - 1}`, ...(this.etag !== undefined && { IfMatch: this.etag }) };
    try {
      const answer = await this.client.send(new GetObjectCommand(input), { abortSignal: signal });
      return answer.Body as Readable;
    } catch (error) {
      throw readFailed(this.location, error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.client.destroy();
  }
}

/** False only when the storage says the bucket does not exist (any other answer: true, the object's error stands). */
async function bucketExists(client: S3Client, bucket: string): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    const { code, status } = describeS3Error(error);
    return !(code === 'NoSuchBucket' || code === 'NotFound' || status === 404);
  }
}

function readFailed(location: string, error: unknown): PgbakError {
  if (error instanceof PgbakError) return error;
  const { code, status } = describeS3Error(error);
  if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) {
    return new PgbakError('ARCHIVE_INVALID', `${location} is not a readable pgbak archive: no such object (${code}${status !== undefined ? `, HTTP ${status}` : ''})`, {
      hint: 'Check the bucket and key (pgbak restore s3://bucket/key.zip), and the endpoint and region',
      cause: error,
    });
  }
  const failed = s3Failed('read', location, error);
  // A HEAD has no body: a refusal there shows only its status, which says what it is.
  const refused = status === 403 && (code === 'Unknown' || code === 'UnknownError');
  const message = refused ? `cannot read ${location}: Forbidden (HTTP 403)` : failed.message;
  const hint = refused || code === 'AccessDenied' ? readHints.AccessDenied : code === 'PreconditionFailed' || status === 412 ? readHints.PreconditionFailed : failed.hint;
  return new PgbakError('ARCHIVE_INVALID', message, { hint, cause: error });
}

const readHints = {
  AccessDenied: 'Check the credentials the AWS SDK finds (AWS_PROFILE, AWS_ACCESS_KEY_ID…) and that their policy allows s3:GetObject on this object',
  PreconditionFailed: 'The object was replaced while it was read (its ETag changed); nothing was restored: try again',
};
