import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PgbakError } from '../../errors.js';
import type { ArchiveSource } from '../source.js';
import { describeS3Error, s3Failed } from './s3-error.js';

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
      if (options.ownsClient) client.destroy();
      throw readFailed(location, error);
    }
  }

  readStream(start: number, end: number): Readable {
    const controller = new AbortController();
    const location = this.location;
    const client = this.client;
    const input = {
      Bucket: this.bucket,
      Key: this.key,
      Range: `bytes=${start}-${end - 1}`,
      // The object must not change between the ranges read.
      ...(this.etag !== undefined && { IfMatch: this.etag }),
    };
    let body: Readable | undefined;
    async function* chunks(): AsyncGenerator<Buffer> {
      if (end <= start) return;
      let answer;
      try {
        answer = await client.send(new GetObjectCommand(input), { abortSignal: controller.signal });
      } catch (error) {
        throw readFailed(location, error);
      }
      body = answer.Body as Readable;
      let got = 0;
      try {
        for await (const chunk of body) {
          got += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      } catch (error) {
        throw readFailed(location, error);
      }
      if (got !== end - start) {
        throw new PgbakError('ARCHIVE_INVALID', `cannot read ${location}: asked bytes ${start}-${end - 1}, got ${got} bytes`, {
          hint: 'the object changed or the storage answered short; try again',
        });
      }
    }
    const stream = Readable.from(chunks(), { objectMode: false });
    stream.once('close', () => {
      controller.abort();
      body?.destroy();
    });
    return stream;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.client.destroy();
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
  return new PgbakError('ARCHIVE_INVALID', failed.message, { hint: failed.hint?.replace('s3:PutObject and s3:AbortMultipartUpload', 's3:GetObject'), cause: error });
}
