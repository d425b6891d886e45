import { Writable } from 'node:stream';
import { PgbakError } from '../errors.js';
import type { ArchiveSink, CommittedArchive } from './sink.js';
import { SinkLifecycle } from './sink-lifecycle.js';
import { drained, ended } from './stream-settle.js';

/**
 * A sink opened when its first byte comes (or at its end, when none came): the S3 sink
 * needs the AWS SDK, and loading it holds the main thread for ~50 ms, which a run would
 * otherwise spend between its connection and pg_dump's start. The archive's first bytes
 * come once the first step has started, so the SDK loads while pg_dump works.
 * It keeps the contract of the sink it opens: nothing appears before commit, and an
 * error or abort at any moment (opening included) leaves nothing; a failure to open
 * is the writable's error, so whatever writes into it stops with it.
 */
export class DeferredSink extends SinkLifecycle {
  readonly writable: Writable;

  private opened: Promise<ArchiveSink> | undefined;
  private readonly closed: Promise<void>;
  private failure: Error | undefined;
  private discarding: Promise<void> | undefined;

  constructor(
    readonly location: string,
    private readonly open: () => Promise<ArchiveSink>,
  ) {
    super();
    this.writable = new DeferredWritable(() => this.target());
    this.closed = new Promise((resolve) => this.writable.once('close', resolve));
    this.writable.on('error', (error) => {
      this.failure ??= error;
    });
    // Any end short of a finish (an error, a destroy()) throws away what was opened.
    this.writable.once('close', () => {
      if (!this.writable.writableFinished && this.state === 'open') this.discard(this.failure ?? interrupted(this.location)).catch(() => undefined);
    });
  }

  /**
   * Opens the sink behind now rather than at the first byte: called once the tool that
   * makes the first bytes has started, the SDK loads while it connects and reads its
   * catalog (the main thread is idle then) instead of holding its first bytes (pg_dump
   * blocks once its 64 KiB pipe is full: a run to S3 spent ~0.1 s more writing than one
   * to a folder, BENCHMARKS.md 2026-12-05). A failure to open is the writable's error once
   * bytes come (or at the end); nothing is opened once the sink is done with.
   */
  prepare(): void {
    if (this.state !== 'open' || this.writable.destroyed) return;
    this.target().catch(() => undefined);
  }

  flush(): void {
    this.opened?.then((sink) => sink.flush?.(), () => undefined);
  }

  /** The sink behind, opened at the first call. */
  private target(): Promise<ArchiveSink> {
    this.opened ??= this.open();
    return this.opened;
  }

  protected async complete(): Promise<CommittedArchive> {
    try {
      if (!this.writable.writableEnded && !this.writable.destroyed) this.writable.end();
      await this.closed;
      if (!this.writable.writableFinished) throw this.failure ?? interrupted(this.location);
    } catch (error) {
      this.state = 'aborted';
      await this.discard(error as Error).catch(() => undefined);
      throw error;
    }
    // Finished: the writable's end opened the sink behind and ended its writable.
    const sink = await this.target();
    try {
      const committed = await sink.commit();
      this.state = 'committed';
      return committed;
    } catch (error) {
      this.state = 'aborted';
      throw error;
    }
  }

  protected discard(reason: Error): Promise<void> {
    // Never opened: nothing was written anywhere. Opening under way: abort what it opens.
    const opened = this.opened;
    if (opened === undefined) return Promise.resolve();
    this.discarding ??= opened.then(
      (sink) => sink.abort(reason),
      () => undefined,
    );
    return this.discarding;
  }
}

function interrupted(location: string): PgbakError {
  return new PgbakError('INTERRUPTED', `writing ${location} was aborted`);
}

/** Passes every chunk on to the sink behind once it is open, with its backpressure. */
class DeferredWritable extends Writable {
  #target: Writable | undefined;

  constructor(private readonly sink: () => Promise<ArchiveSink>) {
    super();
  }

  private target(): Promise<Writable> {
    if (this.#target !== undefined) return Promise.resolve(this.#target);
    return this.sink().then((sink) => {
      // Destroyed while it opened: the DeferredSink aborts what opened; write nothing into it.
      if (this.destroyed) throw this.errored ?? new PgbakError('INTERRUPTED', 'writing the archive was aborted');
      if (this.#target === undefined) {
        this.#target = sink.writable;
        // The sink behind failing fails this writable with its error.
        sink.writable.on('error', (error) => this.destroy(error));
      }
      return this.#target;
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.target().then(
      (target) => (target.write(chunk) ? callback() : drained(target).then(() => callback(), callback)),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.target()
      .then(ended)
      .then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error === null && this.writableFinished) return callback(null);
    // The sink behind must see an error, never an early end (an S3 upload would publish it).
    const reason = error ?? new PgbakError('INTERRUPTED', 'writing the archive was aborted');
    if (this.#target !== undefined && !this.#target.destroyed) this.#target.destroy(reason);
    callback(error);
  }
}
