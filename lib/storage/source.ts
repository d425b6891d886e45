import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/**
 * A finished archive read by ranges, wherever it lives: a local file, an S3 object.
 * The zip reader asks for the central directory at the end, then each entry it opens.
 * Read errors come out as PgbakError naming `location`, as an 'error' on the stream.
 */
export interface ArchiveSource {
  /** Where it is, for messages: an absolute path or `s3://bucket/key`. */
  readonly location: string;
  /** Size in bytes, known when the source was opened. */
  readonly size: number;
  /**
   * The bytes `[start, end)` as a stream. Destroying the stream stops the read and
   * releases what it holds (an HTTP connection); errors reach the stream's consumer.
   */
  readStream(start: number, end: number): Readable;
  /** Releases the source (file descriptor, client) once its streams are done. Idempotent. */
  close(): Promise<void>;
}

/** A local file as an archive source; `open` fails with the fs error (ENOENT…), the caller names it. */
export class LocalFileSource implements ArchiveSource {
  private closed = false;

  private constructor(
    readonly location: string,
    readonly size: number,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<LocalFileSource> {
    const handle = await open(path, 'r');
    try {
      const stat = await handle.stat();
      if (stat.isDirectory()) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' });
      return new LocalFileSource(path, stat.size, handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  readStream(start: number, end: number): Readable {
    // autoClose off: the handle outlives each stream; `end` is inclusive for createReadStream.
    return this.handle.createReadStream({ start, end: end - 1, autoClose: false, emitClose: true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
