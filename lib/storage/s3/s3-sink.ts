import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { constants } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { posix } from 'node:path';
import { Writable } from 'node:stream';
import type { S3Encryption, S3StorageClass } from '../../config/storage.js';
import { PgbakError, toPgbakError } from '../../errors.js';
// The leaf, not log/index.js: this module is loaded lazily beside the CLI bundle, and the
// index would load a second copy of the logger with it.
import { formatBytes } from '../../log/format-bytes.js';
import type { CommittedArchive } from '../sink.js';
import { describeS3Error, s3Failed } from './s3-error.js';
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
   * Parts uploaded at once; default 2 (DEFAULT_QUEUE_SIZE of upload-sizes.ts). The sink holds (queueSize + 1) part buffers of
   * partSize at most — the parts in flight and the one being filled — allocated as the
   * archive needs them and reused, never more.
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
  /**
   * Whether the store takes parts of different sizes (all but the last at least 5 MiB), so
   * that {@link S3Sink.flush} may send a part short. AWS S3 does; Cloudflare R2 and Garage
   * refuse it ("All non-trailing parts must have the same length"), so the default is no.
   */
  unevenParts?: boolean;
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
/** S3's smallest part but the last. */
const MIN_PART_SIZE = 5 * MiB;
/**
 * What parts sent short by {@link S3Sink.flush} may cost of the upload's room (partSize ×
 * maxParts), in all: each takes a whole part's place for fewer bytes.
 */
const SHORT_PARTS_SHARE = 0.01;

/**
 * An archive streamed to S3 (or a compatible store) while it is written, as a multipart
 * upload the sink drives itself with the SDK's commands. The bytes are copied into part
 * buffers — at most queueSize + 1 of partSize, reused: a buffer is filled again only once
 * the UploadPart that sent it has answered — and up to queueSize parts are sent at once;
 * when every buffer is busy the writable waits (backpressure). A part goes once the byte
 * after it arrives, so the last part, full or short, goes only at {@link commit}: the
 * writable's end says the last byte was handed over and publishes nothing. An archive
 * that fits in one part is sent at commit as one PutObject, and nothing is sent before.
 * With `unevenParts` (AWS S3), {@link flush} sends the part being filled short at a break
 * in the archive (pg_dump's output ended), so that the last part is small.
 * (lib-storage's `Upload` did this before; it copied every part two or three times over,
 * which the 150 MB budget could not hold: BENCHMARKS.md, 2026-12-05.)
 *
 * Each part is a Buffer, so the SDK's retries (per request, client.ts) send it again byte
 * for byte. A part that fails every attempt, or CreateMultipartUpload's failure, stops the
 * writer with that error. A failure or an abort waits for the parts in flight to answer
 * (so that none lands after it) and sends AbortMultipartUpload for an upload begun.
 *
 * The bytes are hashed (sha256) on their way to the upload. Once the object is complete,
 * its size is checked (HeadObject) while `<key>.sha256` is written beside it, a sha256sum
 * line: S3 cannot add metadata to an object after a streamed upload without copying it.
 * When either fails the object is deleted, and the checksum file with it: a copy the
 * store changed is no backup.
 */
export class S3Sink extends SinkLifecycle {
  readonly location: string;
  readonly writable: Writable;

  private readonly partSize: number;
  private readonly queueSize: number;
  /** What the parts can hold: partSize × maxParts, less what short parts left unused. */
  private maxBytes: number;
  /** What short parts (flush) left unused of their partSize, in all; at most SHORT_PARTS_SHARE of partSize × maxParts. */
  private shortfall = 0;
  /** The take() under way (the writable's write), if any: a flush waits for it. */
  private taking: Promise<void> | undefined;
  private readonly closed: Promise<void>;
  private failure: Error | undefined;
  private bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private discarding: Promise<void> | undefined;
  /** Part buffers ready to be filled again; {@link allocated} counts all there are (at most queueSize + 1). */
  private free: Buffer[] = [];
  private allocated = 0;
  /** The part being filled and its bytes so far. */
  private filling: Buffer | undefined;
  private filled = 0;
  /** Parts handed to the store so far (the last one's number). */
  private partsSent = 0;
  /** The parts being sent; each settles (never rejects) once its UploadPart answered. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Woken whenever a part settles or the sink stops: a writer waiting for a free slot. */
  private waiters: Array<() => void> = [];
  private readonly completedParts: CompletedPart[] = [];
  /** CreateMultipartUpload, once the first part goes: resolves to the upload id. */
  private created: Promise<string> | undefined;
  private uploadedBytes = 0;
  /** Set when the sink is discarded: no part goes after it. */
  private stopped = false;
  /** Whether CompleteMultipartUpload was sent: a failure after it may be a lost answer, not a failed upload. */
  private completeSent = false;
  private readonly onSignal = () => {
    this.abort(abortReason(this.options.signal!, this.location)).catch(() => undefined);
  };

  private constructor(private readonly options: S3SinkOptions) {
    super();
    const { bucket, key } = options;
    this.location = `s3://${bucket}/${key}`;
    this.partSize = options.partSize ?? 8 * MiB;
    this.queueSize = options.queueSize ?? 2;
    this.maxBytes = this.partSize * (options.maxParts ?? MAX_PARTS);
    this.writable = new Writable({
      highWaterMark: 64 * 1024,
      write: (chunk: Buffer, _encoding, callback) => {
        const taking = this.take(chunk);
        this.taking = taking;
        taking.then(
          () => {
            if (this.taking === taking) this.taking = undefined;
            callback();
          },
          (error: Error) => {
            if (this.taking === taking) this.taking = undefined;
            callback(error);
          },
        );
      },
    });
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
    if (options.partSize !== undefined && options.partSize > constants.MAX_LENGTH) {
      throw new PgbakError('CONFIG_INVALID', `S3 part size ${formatBytes(options.partSize)} is more than one buffer can hold here (${formatBytes(constants.MAX_LENGTH)})`, {
        hint: 'Use a smaller partSize (and a higher maxParts, if the store allows it)',
      });
    }
    if (options.maxParts !== undefined && !(Number.isInteger(options.maxParts) && options.maxParts >= 1 && options.maxParts <= MAX_PARTS)) {
      throw new PgbakError('CONFIG_INVALID', `S3 maxParts ${options.maxParts} is not a whole number from 1 to ${MAX_PARTS}`);
    }
    if (options.queueSize !== undefined && !(Number.isInteger(options.queueSize) && options.queueSize >= 1)) {
      throw new PgbakError('CONFIG_INVALID', `S3 queueSize ${options.queueSize} is not a whole number of at least 1`);
    }
    const sink = new S3Sink(options);
    if (options.signal?.aborted) await sink.abort(abortReason(options.signal, sink.location));
    else resolveCredentialsEarly(options.client);
    return sink;
  }

  protected async complete(): Promise<CommittedArchive> {
    try {
      if (!this.writable.writableEnded && !this.writable.destroyed) this.writable.end();
      await this.closed;
      if (!this.writable.writableFinished) {
        throw this.failure ?? new PgbakError('INTERRUPTED', `writing ${this.location} was aborted`);
      }
      // Only now is the archive whole: the last part (or the only PutObject) goes.
      if (this.partsSent === 0) await this.putWhole();
      else await this.completeUpload();
    } catch (error) {
      this.state = 'aborted';
      await this.discard(error as Error).catch(() => undefined);
      throw error;
    }
    this.state = 'committed';
    this.options.signal?.removeEventListener('abort', this.onSignal);
    this.releaseBuffers();
    const sha256 = this.hash.digest('hex');
    // The size check and the checksum file at once: one round trip of the run's finish, not two.
    // When either fails, the object goes, and the checksum file with it.
    const checks = await Promise.allSettled([this.checkStoredSize(), this.writeChecksumFile(sha256)]);
    const failed = checks.find((check) => check.status === 'rejected');
    if (failed) throw await this.removeObject(toPgbakError(failed.reason), checks[1].status === 'fulfilled');
    return { location: this.location, bytes: this.bytes, sha256 };
  }

  /**
   * A break in the archive (a streamed entry, such as pg_dump's output, has ended): the
   * part being filled goes now, short, if it holds S3's minimum (5 MiB), instead of waiting
   * for the rest to fill it or for {@link commit}. What comes after (the manifest, the log,
   * the zip's directory: a few KiB) is then the last part, and the big one uploads while
   * the run finishes the archive (BENCHMARKS.md, s3tail: it was the largest request after
   * pg_dump's exit). Bytes still on their way from the writer go into the next part, which
   * is fine: only parts but the last must hold 5 MiB. A short part takes a whole part's
   * place, so short parts may cost 1% of the upload's room at most; beyond that, while
   * queueSize parts are in flight, and for a store that wants parts of one size
   * (`unevenParts` not set) it does nothing. Never throws.
   */
  flush(): void {
    if (!this.options.unevenParts || this.state !== 'open' || this.writable.writableEnded || this.writable.destroyed) return;
    void (async () => {
      // After the chunk being taken: the part then holds everything written so far, in order.
      while (this.taking !== undefined) await this.taking.catch(() => undefined);
      const shortBy = this.partSize - this.filled;
      if (this.stopped || this.failure !== undefined || this.filled < MIN_PART_SIZE || shortBy === 0) return;
      // Room for this part and one more (the rest of the archive) at least.
      if (this.partsSent + 2 > (this.options.maxParts ?? MAX_PARTS)) return;
      if (this.inFlight.size >= this.queueSize || this.writable.writableEnded) return;
      if (this.shortfall + shortBy > SHORT_PARTS_SHARE * this.partSize * (this.options.maxParts ?? MAX_PARTS)) return;
      this.shortfall += shortBy;
      this.maxBytes -= shortBy;
      // A slot is free and no take() runs: sendFilling hands the part over before it awaits anything.
      await this.sendFilling();
    })().catch(() => undefined);
  }

  /**
   * Counts, hashes and copies a chunk into the part being filled. A full part goes once
   * a byte after it comes (it is then not the last); that waits while queueSize parts
   * are in flight. Rejects once the parts cannot hold the archive, or the upload failed.
   */
  private async take(chunk: Buffer): Promise<void> {
    this.throwIfStopped();
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) throw this.outgrown();
    this.hash.update(chunk);
    let offset = 0;
    while (offset < chunk.length) {
      if (this.filled === this.partSize) await this.sendFilling();
      this.filling ??= this.freeBuffer();
      const copied = chunk.copy(this.filling, this.filled, offset);
      this.filled += copied;
      offset += copied;
    }
  }

  /** A buffer for the next part: one handed back, or a new one while fewer than queueSize + 1 exist. */
  private freeBuffer(): Buffer {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    // At most queueSize in flight and none being filled: a buffer is free, or fewer than queueSize + 1 exist.
    if (this.allocated > this.queueSize) throw new PgbakError('INTERNAL', `${this.location}: no free part buffer`);
    this.allocated++;
    return Buffer.allocUnsafe(this.partSize);
  }

  /** Sends the part being filled once fewer than queueSize parts are in flight. */
  private async sendFilling(): Promise<void> {
    while (this.inFlight.size >= this.queueSize) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.throwIfStopped();
    }
    this.throwIfStopped();
    const buffer = this.filling!;
    const length = this.filled;
    this.filling = undefined;
    this.filled = 0;
    const partNumber = ++this.partsSent;
    const part: Promise<void> = this.uploadPart(partNumber, buffer.subarray(0, length))
      .then(
        // Only now may the buffer be filled again: the SDK is done with it (retries included).
        () => void this.free.push(buffer),
        (error: unknown) => this.fail(error),
      )
      .finally(() => {
        this.inFlight.delete(part);
        this.wake();
      });
    this.inFlight.add(part);
  }

  private async uploadPart(partNumber: number, body: Buffer): Promise<void> {
    const uploadId = await this.createUpload();
    if (this.stopped) return;
    const { bucket, key } = this.options;
    const answer = await this.options.client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }),
    );
    if (!answer.ETag) throw new PgbakError('OUTPUT_NOT_WRITABLE', `cannot upload to ${this.location}: the store answered part ${partNumber} without an ETag`);
    this.completedParts.push({
      PartNumber: partNumber,
      ETag: answer.ETag,
      ...(answer.ChecksumCRC32 && { ChecksumCRC32: answer.ChecksumCRC32 }),
      ...(answer.ChecksumCRC32C && { ChecksumCRC32C: answer.ChecksumCRC32C }),
      ...(answer.ChecksumCRC64NVME && { ChecksumCRC64NVME: answer.ChecksumCRC64NVME }),
      ...(answer.ChecksumSHA1 && { ChecksumSHA1: answer.ChecksumSHA1 }),
      ...(answer.ChecksumSHA256 && { ChecksumSHA256: answer.ChecksumSHA256 }),
    });
    this.uploadedBytes += body.length;
    this.options.onUploaded?.(this.uploadedBytes);
  }

  /** CreateMultipartUpload, once (with the first part): the object's storage class and encryption go here. */
  private createUpload(): Promise<string> {
    this.created ??= (async () => {
      const { client, bucket, key } = this.options;
      const answer = await client.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          ...this.objectOptions(),
          // As lib-storage did: a client that adds checksums to every upload (not createS3Client's,
          // which asks for them only when required) declares CRC32 for the whole upload.
          ...((await client.config?.requestChecksumCalculation?.()) === 'WHEN_SUPPORTED' && { ChecksumAlgorithm: 'CRC32' as const }),
        }),
      );
      if (!answer.UploadId) throw new PgbakError('OUTPUT_NOT_WRITABLE', `cannot upload to ${this.location}: the store answered CreateMultipartUpload without an upload id`);
      return answer.UploadId;
    })();
    return this.created;
  }

  private objectOptions() {
    const { storageClass, sse, kmsKeyId } = this.options;
    return {
      ...(storageClass !== undefined && { StorageClass: storageClass }),
      ...(sse !== undefined && { ServerSideEncryption: sse }),
      ...(kmsKeyId !== undefined && { SSEKMSKeyId: kmsKeyId }),
    };
  }

  /** A part or the upload failed (after the SDK's retries): the writer stops with the storage's error. */
  private fail(error: unknown): void {
    if (this.stopped) return;
    this.failure ??= s3Failed('upload to', this.location, error);
    if (!this.writable.destroyed) this.writable.destroy(this.failure);
  }

  private throwIfStopped(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.stopped) throw new PgbakError('INTERRUPTED', `writing ${this.location} was aborted`);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Waits until no part is in flight (each settles, none rejects). */
  private async settleParts(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** An archive smaller than one part (or exactly one, or empty): one PutObject of the bytes held. */
  private async putWhole(): Promise<void> {
    const { client, bucket, key } = this.options;
    const body = this.filling?.subarray(0, this.filled) ?? Buffer.alloc(0);
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length, ...this.objectOptions() }));
    } catch (error) {
      throw s3Failed('upload to', this.location, error);
    }
    this.uploadedBytes = this.bytes;
    this.options.onUploaded?.(this.uploadedBytes);
  }

  /** The last part (full or short), then CompleteMultipartUpload once every part answered. */
  private async completeUpload(): Promise<void> {
    if (this.filled > 0) await this.sendFilling();
    await this.settleParts();
    if (this.failure !== undefined) throw this.failure;
    const { client, bucket, key } = this.options;
    const parts = [...this.completedParts].sort((a, b) => a.PartNumber! - b.PartNumber!);
    try {
      const uploadId = await this.createUpload();
      this.completeSent = true;
      await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      // A CompleteMultipartUpload that took effect but whose answer was lost (a dropped
      // connection, a timeout) is retried by the SDK, and the store may answer the retry
      // with an error (NoSuchUpload): the object is there, whole, and this is its commit.
      if (this.completeSent && (await this.storedBytes().catch(() => undefined)) === this.bytes) return;
      throw s3Failed('upload to', this.location, error);
    }
  }

  private releaseBuffers(): void {
    this.free = [];
    this.filling = undefined;
    this.filled = 0;
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
   * After a failed check of a completed object: deletes it and its checksum file (written
   * beside the check, or perhaps written by a PutObject whose answer was lost), and says so.
   * `checksumWritten`: whether the checksum file is known to be there (a failure to delete
   * it is then worth saying).
   */
  private async removeObject(error: PgbakError, checksumWritten: boolean): Promise<PgbakError> {
    const { client, bucket, key } = this.options;
    this.state = 'aborted';
    let deleted = true;
    let fate = 'the object was deleted';
    const [object, checksum] = await Promise.allSettled([
      client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
      client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${key}.sha256` })),
    ]);
    if (object.status === 'rejected') {
      deleted = false;
      fate = `deleting the object failed too (${s3Failed('delete', this.location, object.reason).message}): delete it by hand`;
    }
    if (checksum.status === 'rejected' && checksumWritten) fate += `; ${this.location}.sha256 is left (${describeS3Error(checksum.reason).code}): delete it by hand`;
    const failure = new PgbakError(error.code, `${error.message}; ${fate}`, { hint: error.hint, cause: error });
    // Nothing is left to discard: an abort() after this resolves, or reports an object left behind.
    this.discarding = deleted ? Promise.resolve() : Promise.reject(failure);
    this.discarding.catch(() => undefined);
    return failure;
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
   * Stops the writer, waits until every part in flight has answered (a part that reached
   * the store after the abort would leave an incomplete upload behind), and sends
   * AbortMultipartUpload for an upload begun. Rejects when that abort itself failed: an
   * incomplete upload may be left.
   */
  protected discard(reason: Error | undefined): Promise<void> {
    this.discarding ??= (async () => {
      this.stopped = true;
      this.options.signal?.removeEventListener('abort', this.onSignal);
      const why = reason ?? new PgbakError('INTERRUPTED', `writing ${this.location} was aborted`);
      if (!this.writable.destroyed) this.writable.destroy(why);
      this.wake();
      await this.settleParts();
      this.releaseBuffers();
      const uploadId = await this.created?.catch(() => undefined);
      if (uploadId === undefined) return;
      const { client, bucket, key } = this.options;
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'NoSuchUpload') {
          throw s3Failed('abort the multipart upload of', this.location, error, 'An incomplete upload may be left (it costs storage, it is never listed as a backup): an AbortIncompleteMultipartUpload lifecycle rule removes it');
        }
      }
    })();
    return this.discarding;
  }
}

/**
 * Starts resolving the client's credentials now, while the archive's first bytes are being
 * made, rather than at the first request: the SDK's default chain may have to ask STS (web
 * identity, a Kubernetes service account), the instance metadata service or a
 * credential_process, and an archive smaller than one part sends its first request only at
 * commit, where that wait would add to the run's end. The client keeps what it resolves
 * (and asks again after a failure, which the first request then reports as its own).
 */
function resolveCredentialsEarly(client: S3Client): void {
  const credentials = (client.config as { credentials?: () => Promise<unknown> } | undefined)?.credentials;
  if (typeof credentials !== 'function') return;
  (async () => credentials())().catch(() => undefined);
}

function abortReason(signal: AbortSignal, location: string): Error {
  return signal.reason instanceof Error ? signal.reason : new PgbakError('INTERRUPTED', `writing ${location} was interrupted`);
}
