import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, type Hash } from 'node:crypto';
import { posix } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { S3Encryption, S3StorageClass } from '../../config/storage.js';
import { PgbakError, toPgbakError } from '../../errors.js';
// The leaf, not log/index.js: this module is loaded lazily beside the CLI bundle, and the
// index would load a second copy of the logger with it.
import { formatBytes } from '../../log/format-bytes.js';
import type { CommittedArchive } from '../sink.js';
import { s3Failed } from './s3-error.js';
import { putSmallObject } from './s3-objects.js';
import { SinkLifecycle } from '../sink-lifecycle.js';


export interface S3SinkOptions {
  /** From {@link createS3Client} (checksums "when required"); the caller owns it and destroys it. */
  client: S3Client;
  bucket: string;
  key: string;
  /** Bytes per part, at least 5 MiB (S3's minimum); default 8 MiB. At most 10,000 parts per object. */
  partSize?: number;
  /**
   * Parts uploaded at once; default 4. The part buffers are (queueSize + 1) × partSize, but
   * lib-storage joins each part from the chunks it got and keeps them until the next part:
   * measured memory is 2.5–3× that (BENCHMARKS.md, 2026-12-05).
   */
  queueSize?: number;
  /**
   * The store's limit on parts (default 10,000; Scaleway 1,000): an archive that outgrows
   * partSize × maxParts fails as soon as it does, not at CompleteMultipartUpload.
   */
  maxParts?: number;
  /** The size the part size was chosen for, to say in that failure. */
  estimatedBytes?: number | null;
  /** x-amz-storage-class of the object. */
  storageClass?: S3StorageClass;
  /** Server-side encryption at rest (x-amz-server-side-encryption). */
  sse?: S3Encryption;
  /** The KMS key for SSE-KMS (x-amz-server-side-encryption-aws-kms-key-id). */
  kmsKeyId?: string;
  /** Aborts the upload when it fires (SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /**
   * Progress: the archive's bytes the storage has acknowledged so far, called as each
   * part's UploadPart answers (the whole object once its PutObject answered). Bytes
   * handed over but still in a part being sent do not count.
   */
  onUploaded?: (bytes: number) => void;
}

const MiB = 1024 * 1024;
const MAX_PARTS = 10_000;

/**
 * An archive streamed to S3 (or a compatible store) while it is written: lib-storage's
 * `Upload` reads a PassThrough, sends a single PutObject for an archive smaller than
 * one part, a multipart upload otherwise. `Upload` publishes whatever it got when its
 * body ends, so the body's end is held back until {@link commit}: the writable's own end
 * only says the last byte was handed over. A failure destroys the body with an error,
 * so `Upload` sends no PutObject (it sends it only after the body's end) and no
 * CompleteMultipartUpload; once it has settled, the sink sends AbortMultipartUpload for a
 * multipart upload it had begun. Memory: about partSize × (queueSize + 1).
 *
 * The bytes are hashed (sha256) on their way to the upload. Once the object is complete,
 * its size is checked (HeadObject) and `<key>.sha256` is written beside it, a sha256sum
 * line: S3 cannot add metadata to an object after a streamed upload without copying it.
 * When either fails the object is deleted: a copy the store changed is no backup.
 */
export class S3Sink extends SinkLifecycle {
  readonly location: string;
  readonly writable: Writable;

  private readonly body: PassThrough;
  private readonly upload: Upload;
  /** Settles once `Upload` is done, completed or failed: then no part is in flight. */
  private readonly uploaded: Promise<unknown>;
  private readonly closed: Promise<void>;
  private failure: Error | undefined;
  private bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly maxBytes: number;
  private discarding: Promise<void> | undefined;
  /** Of the multipart upload, once CreateMultipartUpload answered. */
  private uploadId: string | undefined;
  /** The first error the storage answered: the one to report, whatever lib-storage rejects with. */
  private storageError: unknown;
  /** Whether CompleteMultipartUpload was sent: a failure after it may be a lost answer, not a failed upload. */
  private completeSent = false;
  private readonly onSignal = () => {
    this.abort(abortReason(this.options.signal!, this.location)).catch(() => undefined);
  };

  private constructor(private readonly options: S3SinkOptions) {
    super();
    const { client, bucket, key } = options;
    this.location = `s3://${bucket}/${key}`;
    const partSize = options.partSize ?? 8 * MiB;
    this.maxBytes = partSize * (options.maxParts ?? MAX_PARTS);
    this.body = new PassThrough({ highWaterMark: 64 * 1024 });
    this.upload = new Upload({
      client: this.watch(client),
      // Upload sends these with CreateMultipartUpload or PutObject; UploadPart ignores them.
      params: {
        Bucket: bucket,
        Key: key,
        Body: this.body,
        ...(options.storageClass !== undefined && { StorageClass: options.storageClass }),
        ...(options.sse !== undefined && { ServerSideEncryption: options.sse }),
        ...(options.kmsKeyId !== undefined && { SSEKMSKeyId: options.kmsKeyId }),
      },
      partSize,
      queueSize: options.queueSize ?? 4,
      // The sink aborts the multipart upload itself (discard()): lib-storage's own abort runs
      // un-awaitable after an abort() and, when it fails, replaces the provider's error with its own.
      leavePartsOnError: true,
    });
    // lib-storage on Node reports once per completed part, counting on (bytesUploadedSoFar).
    const onUploaded = options.onUploaded;
    if (onUploaded) this.upload.on('httpUploadProgress', (event) => onUploaded(event.loaded ?? 0));
    this.uploaded = this.upload.done();
    // A rejection of the upload while the archive is written (NoSuchBucket, AccessDenied
    // on the first part, a part that failed every retry) stops the writer with it.
    this.uploaded.catch((error: unknown) => {
      const failure = s3Failed('upload to', this.location, this.storageError ?? error);
      this.failure ??= failure;
      if (!this.writable.destroyed) this.writable.destroy(failure);
    });
    // The body can close under the writer when Upload stops reading it (a part failed every
    // retry): the writer then gets Upload's own error, not the body's AbortError.
    const uploadFailure = this.uploaded.then(
      () => new PgbakError('INTERNAL', `${this.location} was completed before commit`),
      (error: unknown) => s3Failed('upload to', this.location, this.storageError ?? error),
    );
    this.writable = new BodyWritable(this.body, uploadFailure, (chunk) => this.take(chunk));
    this.closed = new Promise((resolve) => this.writable.once('close', resolve));
    this.writable.on('error', (error) => {
      this.failure ??= error;
    });
    // Destroyed before its end (a failed pipeline, a destroy()): abort the upload.
    this.writable.once('close', () => {
      if (!this.writable.writableFinished && this.state === 'open') this.discard(this.failure).catch(() => undefined);
    });
    options.signal?.addEventListener('abort', this.onSignal, { once: true });
  }

  /** Prepares the upload; sends nothing until bytes come (the first part, or the PutObject at commit). */
  static async open(options: S3SinkOptions): Promise<S3Sink> {
    if (options.partSize !== undefined && options.partSize < 5 * MiB) {
      throw new PgbakError('CONFIG_INVALID', `S3 part size ${options.partSize} is below the minimum of 5 MiB`, {
        hint: 'Use a part size of at least 5 MiB (S3 allows 10,000 parts per object)',
      });
    }
    if (options.maxParts !== undefined && !(Number.isInteger(options.maxParts) && options.maxParts >= 1 && options.maxParts <= MAX_PARTS)) {
      throw new PgbakError('CONFIG_INVALID', `S3 maxParts ${options.maxParts} is not a whole number from 1 to ${MAX_PARTS}`);
    }
    const sink = new S3Sink(options);
    if (options.signal?.aborted) await sink.abort(abortReason(options.signal, sink.location));
    return sink;
  }

  protected async complete(): Promise<CommittedArchive> {
    try {
      if (!this.writable.writableEnded && !this.writable.destroyed) this.writable.end();
      await this.closed;
      if (!this.writable.writableFinished) {
        throw this.failure ?? new PgbakError('INTERRUPTED', `writing ${this.location} was aborted`);
      }
      // Only now may Upload see the end: it then sends the PutObject or CompleteMultipartUpload.
      this.body.end();
      await this.uploaded.catch(async (error: unknown) => {
        // A CompleteMultipartUpload that took effect but whose answer was lost (a dropped
        // connection, a timeout) is retried by the SDK, and the store may answer the retry
        // with an error (NoSuchUpload): the object is there, whole, and this is its commit.
        if (this.completeSent && (await this.storedBytes().catch(() => undefined)) === this.bytes) return;
        throw s3Failed('upload to', this.location, this.storageError ?? error);
      });
    } catch (error) {
      this.state = 'aborted';
      await this.discard(error as Error).catch(() => undefined);
      throw error;
    }
    this.state = 'committed';
    this.options.signal?.removeEventListener('abort', this.onSignal);
    const sha256 = this.hash.digest('hex');
    try {
      await this.checkStoredSize();
      await this.writeChecksumFile(sha256);
    } catch (error) {
      throw await this.removeObject(toPgbakError(error));
    }
    return { location: this.location, bytes: this.bytes, sha256 };
  }

  /** Counts and hashes a chunk on its way to the upload; an error once the parts cannot hold the archive. */
  private take(chunk: Buffer): Error | undefined {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return this.outgrown();
    this.hash.update(chunk);
    return undefined;
  }

  private outgrown(): PgbakError {
    const { partSize = 8 * MiB, maxParts = MAX_PARTS, estimatedBytes } = this.options;
    const estimate = estimatedBytes != null ? ` (its parts were sized for databases of ${formatBytes(estimatedBytes)})` : '';
    return new PgbakError(
      'OUTPUT_NOT_WRITABLE',
      `${this.location} outgrew its upload: ${maxParts} part${maxParts === 1 ? '' : 's'} of ${formatBytes(partSize)} hold ${formatBytes(this.maxBytes)}, and the archive is larger${estimate}`,
      { hint: 'Set a larger partSize in the profile\'s s3 storage (or a higher maxParts, if the store allows it); nothing was stored' },
    );
  }

  /** `<key>.sha256`: `<hex>  <file name>`, as sha256sum writes it, so `sha256sum -c` checks a download. */
  private async writeChecksumFile(sha256: string): Promise<void> {
    const { client, bucket, key } = this.options;
    await putSmallObject(client, bucket, `${key}.sha256`, `${sha256}  ${posix.basename(key)}\n`, 'text/plain; charset=utf-8');
  }

  /**
   * After a failed check of a completed object: deletes it (and a checksum file written
   * before the failure would be stale, but none is: it is written last), and says so.
   */
  private async removeObject(error: PgbakError): Promise<PgbakError> {
    const { client, bucket, key } = this.options;
    this.state = 'aborted';
    let deleted = true;
    let fate = 'the object was deleted';
    try {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (deleteError) {
      deleted = false;
      fate = `deleting the object failed too (${s3Failed('delete', this.location, deleteError).message}): delete it by hand`;
    }
    const failure = new PgbakError(error.code, `${error.message}; ${fate}`, { hint: error.hint, cause: error });
    // Nothing is left to discard: an abort() after this resolves, or reports an object left behind.
    this.discarding = deleted ? Promise.resolve() : Promise.reject(failure);
    this.discarding.catch(() => undefined);
    return failure;
  }

  /**
   * The client as Upload sees it: the same, but each answer is looked at on the way
   * (the multipart upload's id, the storage's first error).
   */
  private watch(client: S3Client): S3Client {
    const watched = Object.create(client) as S3Client;
    const send = async (command: Parameters<S3Client['send']>[0], options?: unknown) => {
      try {
        if (command instanceof CompleteMultipartUploadCommand) this.completeSent = true;
        const output = await client.send(command as never, options as never);
        if (command instanceof CreateMultipartUploadCommand) this.uploadId = (output as { UploadId?: string }).UploadId;
        return output;
      } catch (error) {
        this.storageError ??= error;
        throw error;
      }
    };
    watched.send = send as S3Client['send'];
    return watched;
  }

  /** A store that keeps checksum trailers inside the object (or drops bytes) shows a different size. */
  private async checkStoredSize(): Promise<void> {
    let stored: number | undefined;
    try {
      stored = await this.storedBytes();
    } catch (error) {
      throw s3Failed('check the uploaded', this.location, error);
    }
    if (stored !== this.bytes) {
      throw new PgbakError('OUTPUT_NOT_WRITABLE', `${this.location} holds ${stored ?? 'an unknown number of'} bytes, but ${this.bytes} were written`, {
        hint: 'The storage changed the object (checksum trailers stored inside it?): do not trust this copy; check the endpoint and its S3 compatibility',
      });
    }
  }

  private async storedBytes(): Promise<number | undefined> {
    const { client, bucket, key } = this.options;
    return (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength;
  }

  /**
   * Destroys the body with an error, so Upload never sees an end, and waits until it
   * gave up: by then it sent AbortMultipartUpload for a multipart upload that had begun.
   * Rejects when that abort itself failed: an incomplete upload may be left.
   */
  protected discard(reason: Error | undefined): Promise<void> {
    this.discarding ??= (async () => {
      this.options.signal?.removeEventListener('abort', this.onSignal);
      const why = reason ?? new PgbakError('INTERRUPTED', `writing ${this.location} was aborted`);
      if (!this.body.destroyed) this.body.destroy(why);
      if (!this.writable.destroyed) this.writable.destroy(why);
      const completed = await this.uploaded.then(
        () => true,
        () => false,
      );
      // Stops any part still queued; sends nothing itself.
      await this.upload.abort();
      if (completed) {
        // Only if the body ended before the failure, which commit() alone does.
        throw new PgbakError('INTERNAL', `${this.location} was completed although it was aborted`);
      }
      // Upload has settled: no part is in flight, and the id is known if one was created.
      if (this.uploadId !== undefined) {
        const { client, bucket, key } = this.options;
        try {
          await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId }));
        } catch (error) {
          if ((error as { name?: string }).name !== 'NoSuchUpload') {
            throw s3Failed('abort the multipart upload of', this.location, error, 'An incomplete upload may be left (it costs storage, it is never listed as a backup): an AbortIncompleteMultipartUpload lifecycle rule removes it');
          }
        }
      }
    })();
    return this.discarding;
  }
}

function abortReason(signal: AbortSignal, location: string): Error {
  return signal.reason instanceof Error ? signal.reason : new PgbakError('INTERRUPTED', `writing ${location} was interrupted`);
}

/** Hands every chunk to the upload's body with backpressure; its end does not end the body. */
class BodyWritable extends Writable {
  constructor(
    private readonly body: PassThrough,
    private readonly uploadFailure: Promise<Error>,
    private readonly take: (chunk: Buffer) => Error | undefined,
  ) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.body.destroyed) return void this.uploadFailure.then(callback);
    const refused = this.take(chunk);
    if (refused !== undefined) return callback(refused);
    if (this.body.write(chunk)) return callback();
    const cleanup = () => {
      this.body.off('drain', onDrain);
      this.body.off('close', onClose);
    };
    const onDrain = () => (cleanup(), callback());
    const onClose = () => (cleanup(), void this.uploadFailure.then(callback));
    this.body.once('drain', onDrain);
    this.body.once('close', onClose);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error === null && this.writableFinished) return callback(null);
    // Upload must see an error, never an end: an end would publish a truncated object.
    if (!this.body.destroyed) this.body.destroy(error ?? new PgbakError('INTERRUPTED', 'writing the archive was aborted'));
    callback(error);
  }
}
