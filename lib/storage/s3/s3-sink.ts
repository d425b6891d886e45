import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough, Writable } from 'node:stream';
import { PgbakError } from '../../errors.js';
import type { CommittedArchive } from '../sink.js';
import { s3Failed } from './s3-error.js';
import { SinkLifecycle } from '../sink-lifecycle.js';


export interface S3SinkOptions {
  /** From {@link createS3Client} (checksums "when required"); the caller owns it and destroys it. */
  client: S3Client;
  bucket: string;
  key: string;
  /** Bytes per part, at least 5 MiB (S3's minimum); default 8 MiB. At most 10,000 parts per object. */
  partSize?: number;
  /** Parts uploaded at once; default 4. Memory stays near partSize × (queueSize + 1). */
  queueSize?: number;
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

/**
 * An archive streamed to S3 (or a compatible store) while it is written: lib-storage's
 * `Upload` reads a PassThrough, sends a single PutObject for an archive smaller than
 * one part, a multipart upload otherwise. `Upload` publishes whatever it got when its
 * body ends, so the body's end is held back until {@link commit}: the writable's own end
 * only says the last byte was handed over. A failure destroys the body with an error,
 * so `Upload` sends no PutObject (it sends it only after the body's end) and no
 * CompleteMultipartUpload; once it has settled, the sink sends AbortMultipartUpload for a
 * multipart upload it had begun. Memory: about partSize × (queueSize + 1).
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
  private discarding: Promise<void> | undefined;
  /** Of the multipart upload, once CreateMultipartUpload answered. */
  private uploadId: string | undefined;
  /** The first error the storage answered: the one to report, whatever lib-storage rejects with. */
  private storageError: unknown;
  private readonly onSignal = () => {
    this.abort(abortReason(this.options.signal!, this.location)).catch(() => undefined);
  };

  private constructor(private readonly options: S3SinkOptions) {
    super();
    const { client, bucket, key } = options;
    this.location = `s3://${bucket}/${key}`;
    const partSize = options.partSize ?? 8 * MiB;
    this.body = new PassThrough({ highWaterMark: 64 * 1024 });
    this.upload = new Upload({
      client: this.watch(client),
      params: { Bucket: bucket, Key: key, Body: this.body },
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
    this.writable = new BodyWritable(this.body, uploadFailure, (count) => (this.bytes += count));
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
      await this.uploaded.catch((error: unknown) => {
        throw s3Failed('upload to', this.location, this.storageError ?? error);
      });
    } catch (error) {
      this.state = 'aborted';
      await this.discard(error as Error).catch(() => undefined);
      throw error;
    }
    this.state = 'committed';
    this.options.signal?.removeEventListener('abort', this.onSignal);
    await this.checkStoredSize();
    return { location: this.location, bytes: this.bytes };
  }

  /**
   * The client as Upload sees it: the same, but each answer is looked at on the way
   * (the multipart upload's id, the storage's first error).
   */
  private watch(client: S3Client): S3Client {
    const watched = Object.create(client) as S3Client;
    const send = async (command: Parameters<S3Client['send']>[0], options?: unknown) => {
      try {
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
    const { client, bucket, key } = this.options;
    let stored: number | undefined;
    try {
      stored = (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength;
    } catch (error) {
      throw s3Failed('check the uploaded', this.location, error);
    }
    if (stored !== this.bytes) {
      throw new PgbakError('OUTPUT_NOT_WRITABLE', `${this.location} holds ${stored ?? 'an unknown number of'} bytes, but ${this.bytes} were written`, {
        hint: 'The storage changed the object (checksum trailers stored inside it?): do not trust this copy; check the endpoint and its S3 compatibility',
      });
    }
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
    private readonly count: (bytes: number) => void,
  ) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.body.destroyed) return void this.uploadFailure.then(callback);
    this.count(chunk.length);
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
