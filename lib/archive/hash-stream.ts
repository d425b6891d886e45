import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** What passed through a hash counter: its size and its sha256 (lowercase hex). */
export interface ContentDigest {
  bytes: number;
  sha256: string;
}

/**
 * A pass-through stream that hashes and counts every byte on its way, so a dump
 * can be checksummed while it is streamed into the archive, without a second read.
 * `digest()` is valid once the stream has ended (after 'end' / 'finish').
 */
export class HashCounter extends Transform {
  private hash: Hash | undefined = createHash('sha256');
  private bytes = 0;
  private result: ContentDigest | undefined;

  /** The size and sha256 of everything that passed; throws before the stream has ended. */
  digest(): ContentDigest {
    if (this.result === undefined) {
      throw new Error('HashCounter.digest() called before the stream ended');
    }
    return this.result;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash?.update(chunk);
    this.bytes += chunk.length;
    // Handing the chunk to the callback keeps Transform's own backpressure: nothing
    // is queued here beyond the stream's highWaterMark.
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.hash !== undefined) {
      this.result = { bytes: this.bytes, sha256: this.hash.digest('hex') };
      this.hash = undefined;
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A destroyed counter saw only part of its input: it must never report a digest.
    this.hash = undefined;
    callback(error);
  }
}

/** Creates a pass-through stream that computes the sha256 and byte count of what flows through it. */
export function createHashCounter(): HashCounter {
  return new HashCounter();
}
