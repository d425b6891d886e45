import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/**
 * Writes into an open file, fsyncs it when ended and closes it when destroyed (after
 * the end, or on a failure). Every error it emits went through `describe` first, so
 * whoever writes into it sees where and why ("no space left on device").
 */
export class FileWritable extends Writable {
  /** Bytes in the file so far. */
  bytesWritten = 0;
  private readonly hash = createHash('sha256');

  constructor(
    private readonly handle: FileHandle,
    private readonly describe: (error: unknown) => Error,
  ) {
    super();
  }

  /** sha256 of every byte handed over (lowercase hex); once the stream finished. */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    this.writeAll([chunk]).then(() => callback(), (error: unknown) => callback(this.describe(error)));
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    for (const { chunk } of chunks) this.hash.update(chunk);
    this.writeAll(chunks.map(({ chunk }) => chunk)).then(() => callback(), (error: unknown) => callback(this.describe(error)));
  }

  // The data is on disk before the stream says 'finish': a rename after it is safe.
  override _final(callback: (error?: Error | null) => void): void {
    this.handle.sync().then(() => callback(), (error: unknown) => callback(this.describe(error)));
  }

  // FileHandle.close() waits for a write still in flight, so the file is never closed under it.
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.handle.close().then(
      () => callback(error),
      (closeError: unknown) => callback(error ?? this.describe(closeError)),
    );
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    let rest = buffers;
    while (rest.length > 0) {
      // A short write (a disk filling up) is followed by a write that fails with the reason.
      const { bytesWritten } = await this.handle.writev(rest);
      if (bytesWritten === 0) throw Object.assign(new Error('no byte was written'), { code: 'EIO' });
      this.bytesWritten += bytesWritten;
      rest = dropBytes(rest, bytesWritten);
    }
  }
}

function dropBytes(buffers: Buffer[], count: number): Buffer[] {
  let left = count;
  let i = 0;
  while (i < buffers.length && left >= buffers[i]!.length) left -= buffers[i++]!.length;
  if (i === buffers.length) return [];
  return [buffers[i]!.subarray(left), ...buffers.slice(i + 1)];
}
