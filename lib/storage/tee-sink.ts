import { Writable } from 'node:stream';
import { PgbakError } from '../errors.js';
import type { ArchiveSink, CommittedArchive } from './sink.js';
import { SinkLifecycle } from './sink-lifecycle.js';
import { drained, ended } from './stream-settle.js';


/**
 * One archive written to several sinks at once (a local copy and an upload). It goes
 * at the pace of the slowest: a chunk is taken only when every copy has room for it,
 * so memory stays flat however far apart their speeds are. It fails as one: when any
 * copy fails, every copy is aborted and the tee's writable errors with that failure.
 */
export class TeeSink extends SinkLifecycle {
  readonly location: string;
  readonly writable: Writable;

  private readonly closed: Promise<void>;
  private failure: Error | undefined;
  private aborting: Promise<void> | undefined;

  constructor(private readonly children: readonly ArchiveSink[]) {
    super();
    if (children.length === 0) throw new PgbakError('INTERNAL', 'a tee needs at least one sink');
    this.location = children.map((child) => child.location).join(', ');
    this.writable = new TeeWritable(children.map((child) => child.writable));
    this.closed = new Promise((resolve) => this.writable.once('close', resolve));
    this.writable.on('error', (error) => {
      this.failure ??= error;
    });
    // Any end short of a finish (an error in one copy, a destroy()) aborts every copy.
    this.writable.once('close', () => {
      if (!this.writable.writableFinished && this.state === 'open') this.abortChildren(this.failure).catch(() => undefined);
    });
  }

  prepare(): void {
    for (const child of this.children) child.prepare?.();
  }

  flush(): void {
    for (const child of this.children) child.flush?.();
  }

  /**
   * Commits the copies one after another. When one fails, the copies not committed yet
   * are aborted and the error says which copies are complete and which are gone.
   */
  protected async complete(): Promise<CommittedArchive> {
    try {
      if (!this.writable.writableEnded && !this.writable.destroyed) this.writable.end();
      await this.closed;
      if (!this.writable.writableFinished) {
        throw this.failure ?? new PgbakError('INTERRUPTED', `writing ${this.location} was aborted`);
      }
    } catch (error) {
      this.state = 'aborted';
      await this.abortChildren(error as Error);
      throw error;
    }
    const copies: CommittedArchive[] = [];
    for (const [index, child] of this.children.entries()) {
      try {
        copies.push(await child.commit());
      } catch (error) {
        this.state = 'aborted';
        const rest = this.children.slice(index + 1);
        await Promise.allSettled(rest.map((other) => other.abort(error as Error)));
        throw commitFailed(child, error, copies, rest);
      }
    }
    this.state = 'committed';
    return { location: this.location, bytes: copies[0]!.bytes, sha256: copies[0]!.sha256, copies };
  }

  protected discard(reason: Error): Promise<void> {
    return this.abortChildren(reason);
  }

  private abortChildren(reason: Error | undefined): Promise<void> {
    this.aborting ??= (async () => {
      const results = await Promise.allSettled(this.children.map((child) => child.abort(reason)));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
    })();
    return this.aborting;
  }
}

function commitFailed(child: ArchiveSink, error: unknown, committed: CommittedArchive[], aborted: readonly ArchiveSink[]): PgbakError {
  const cause = error instanceof Error ? error : new Error(String(error));
  const fate = [
    committed.length > 0 ? `complete: ${committed.map((copy) => copy.location).join(', ')}` : '',
    aborted.length > 0 ? `aborted: ${aborted.map((other) => other.location).join(', ')}` : '',
  ].filter(Boolean);
  const message = `${child.location}: ${cause.message}${fate.length > 0 ? ` (${fate.join('; ')})` : ''}`;
  return new PgbakError(cause instanceof PgbakError ? cause.code : 'OUTPUT_NOT_WRITABLE', message, {
    hint: cause instanceof PgbakError ? cause.hint : undefined,
    cause,
  });
}

/** Writes every chunk to every child; calls back once all of them can take more. */
class TeeWritable extends Writable {
  constructor(private readonly children: readonly Writable[]) {
    super();
    // One copy failing fails the whole: destroying the tee destroys the others with the same error.
    for (const child of children) child.on('error', (error) => this.destroy(error));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const waits = this.children.filter((child) => !child.write(chunk)).map(drained);
    if (waits.length === 0) return callback();
    Promise.all(waits).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    Promise.all(this.children.map(ended)).then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error === null && this.writableFinished) return callback(null);
    // An S3 copy must see an error, never an early end: destroy the children with one.
    const reason = error ?? new PgbakError('INTERRUPTED', 'writing the archive was aborted');
    for (const child of this.children) if (!child.destroyed) child.destroy(reason);
    callback(error);
  }
}
