import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

const CHUNK = 64 * 1024;

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
    // Positioned reads on the shared handle. Not handle.createReadStream: destroying
    // that stream closes the handle itself (autoClose only covers end and error).
    const handle = this.handle;
    let position = start;
    return new Readable({
      highWaterMark: CHUNK,
      read(this: Readable) {
        const length = Math.min(CHUNK, end - position);
        if (length <= 0) {
          this.push(null);
          return;
        }
        handle.read(Buffer.allocUnsafe(length), 0, length, position).then(
          ({ bytesRead, buffer }) => {
            if (this.destroyed) return;
            if (bytesRead === 0) {
              this.destroy(new Error(`unexpected end of file at byte ${position} of ${end}`));
              return;
            }
            position += bytesRead;
            this.push(buffer.subarray(0, bytesRead));
          },
          (error: unknown) => this.destroy(error as Error),
        );
      },
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
