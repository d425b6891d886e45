// An in-memory ArchiveSink for the tee's tests: it can be slow, fail while being
// written or fail its commit, and records how it ended (an upload must see an error,
// never a plain end, when the archive fails).
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import type { ArchiveSink, CommittedArchive } from '../../../lib/storage/index.js';

export interface MemorySinkOptions {
  /** Milliseconds each write takes. */
  delayMs?: number;
  /** Fail the write that would go past this many bytes. */
  failAfter?: number;
  /** Reject commit() with this. */
  failCommit?: Error;
  highWaterMark?: number;
  /** Called with the byte count after every write. */
  onWrite?: (received: number) => void;
}

export class MemorySink implements ArchiveSink {
  readonly writable: Writable;
  received = 0;
  private readonly hash = createHash('sha256');
  finished = false;
  committed = false;
  abortCalls = 0;
  prepareCalls = 0;
  /** What the writable was destroyed with: undefined while alive, null for a plain destroy. */
  destroyedWith: Error | null | undefined;

  constructor(
    readonly location: string,
    private readonly options: MemorySinkOptions = {},
  ) {
    this.writable = new Writable({
      highWaterMark: options.highWaterMark ?? 16 * 1024,
      write: (chunk: Buffer, _encoding, callback) => {
        if (options.failAfter !== undefined && this.received + chunk.length > options.failAfter) {
          return callback(new Error(`${location}: upload failed`));
        }
        const done = () => {
          this.received += chunk.length;
          this.hash.update(chunk);
          options.onWrite?.(this.received);
          callback();
        };
        if (options.delayMs) setTimeout(done, options.delayMs);
        else done();
      },
      final: (callback) => {
        this.finished = true;
        callback();
      },
      destroy: (error, callback) => {
        this.destroyedWith ??= error;
        callback(error);
      },
    });
    this.writable.on('error', () => undefined);
  }

  prepare(): void {
    this.prepareCalls++;
  }

  async commit(): Promise<CommittedArchive> {
    if (!this.writable.writableEnded) this.writable.end();
    if (this.options.failCommit) throw this.options.failCommit;
    if (!this.finished) throw new Error(`${this.location}: not finished`);
    this.committed = true;
    return { location: this.location, bytes: this.received, sha256: this.hash.digest('hex') };
  }

  async abort(reason?: Error): Promise<void> {
    this.abortCalls++;
    if (this.committed) return;
    if (!this.writable.destroyed) this.writable.destroy(reason ?? new Error('aborted'));
  }
}
