import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { ArchiveSink, CommittedArchive } from '../../storage/sink.js';
import { SinkLifecycle } from '../../storage/sink-lifecycle.js';
import { startAgeEncryption } from './encrypt.js';
import type { AgeRecipient } from './keys.js';

/**
 * An archive sink that encrypts with age before its inner sink (a file, an upload, a tee)
 * sees a byte: no plaintext reaches the disk or the bucket. The inner sink hashes and
 * stores the ciphertext, so the sha256 it records is of the bytes stored. A failure
 * reaches the inner sink as an error (the pipeline destroys it with one), never as an end.
 */
export class EncryptingSink extends SinkLifecycle {
  readonly location: string;
  readonly writable: Writable;
  private readonly piped: Promise<void>;

  private constructor(
    private readonly inner: ArchiveSink,
    stream: Writable & NodeJS.ReadableStream,
    /** The file key (for reading back what was written: run --verify); never stored or logged. */
    readonly fileKey: Buffer,
  ) {
    super();
    this.location = inner.location;
    this.writable = stream;
    this.piped = pipeline(stream, inner.writable);
    this.piped.catch(() => undefined);
  }

  /** Encrypts into `inner` for `recipients`; `inner` is aborted when that cannot start. */
  static async open(inner: ArchiveSink, recipients: readonly AgeRecipient[]): Promise<EncryptingSink> {
    try {
      const { stream, fileKey } = await startAgeEncryption(recipients);
      return new EncryptingSink(inner, stream, fileKey);
    } catch (error) {
      await inner.abort(error as Error);
      throw error;
    }
  }

  prepare(): void {
    this.inner.prepare?.();
  }

  flush(): void {
    this.inner.flush?.();
  }

  protected async complete(): Promise<CommittedArchive> {
    try {
      if (!this.writable.writableEnded && !this.writable.destroyed) this.writable.end();
      await this.piped;
    } catch (error) {
      this.state = 'aborted';
      await this.inner.abort(error as Error);
      throw error;
    }
    const committed = await this.inner.commit().catch((error: unknown) => {
      this.state = 'aborted';
      throw error;
    });
    this.state = 'committed';
    return committed;
  }

  protected async discard(reason: Error): Promise<void> {
    await this.inner.abort(reason);
  }
}
