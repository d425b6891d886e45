import './fast-crc32.js';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { PgbakError } from '../errors.js';
import type { ArchiveSink, CommittedArchive } from '../storage/sink.js';
import { createHashCounter, type HashCounter } from './hash-stream.js';

/** Options for {@link ZipWriter.create}. */
export interface ZipWriterOptions {
  /** zlib level for compressed entries: 1 is fastest, 9 smallest, 0 stores everything. Default 6. */
  compressionLevel?: number;
}

/** Options for one entry. */
export interface EntryOptions {
  /** Deflate the entry; pass false for data that is already compressed (custom-format dumps). */
  compress: boolean;
  /** Modification time recorded in the zip; defaults to now (to the file's mtime for addFile). */
  mtime?: Date;
}

/** One entry as written: what the manifest records about it. */
export interface EntryInfo {
  /** Path inside the zip. */
  name: string;
  /** Uncompressed size in bytes. */
  bytes: number;
  /** sha256 of the uncompressed content, lowercase hex. */
  sha256: string;
  /** Whether the entry is deflated in the zip (false: stored as-is). */
  compressed: boolean;
}

/** The archive once it is complete and durable where its sink puts it. */
export type FinishedArchive = CommittedArchive;

type State = 'open' | 'finishing' | 'finished' | 'aborted';

// Entries are extracted readable by their owner only: they hold a database's data.
const ENTRY_MODE = 0o100600;

/**
 * Streams entries into an {@link ArchiveSink} and commits it only in {@link finish},
 * after the zip's last byte: whatever the sink (a local `.partial` renamed after an
 * fsync, an upload), an archive under its final name is always a complete backup.
 * Memory stays flat: each entry flows source -> sha256 -> yazl -> sink with
 * backpressure and is never held whole.
 *
 * Add one entry at a time: await each `add*` call before the next one or `finish()`
 * (calling too early throws). After any rejection, call {@link abort}; it is
 * idempotent and safe at any moment.
 */
export class ZipWriter {
  /** Where the finished archive will be (the sink's location). */
  readonly location: string;

  private readonly zip = new yazl.ZipFile();
  private readonly written: Promise<void>;
  private readonly failed: Promise<never>;
  private rejectFailed: (error: Error) => void = () => undefined;
  private failure: Error | undefined;
  private current: { name: string; counter: HashCounter } | undefined;
  private state: State = 'open';
  private finishing: Promise<FinishedArchive> | undefined;
  private discarding: Promise<void> | undefined;

  private constructor(
    private readonly sink: ArchiveSink,
    private readonly compressionLevel: number,
  ) {
    this.location = sink.location;
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    // Whoever is waiting races against `failed`; when nobody is, the failure is
    // still recorded and reported by the next call.
    this.failed.catch(() => undefined);
    // yazl reports its own errors (and, for addFile, read errors) as 'error' events on
    // the ZipFile; without a listener they would crash the process.
    this.zip.on('error', (error: Error) => this.fail(error));
    // The sink's errors already say where and why ("cannot write to /backups: no space
    // left on device"); pipeline() destroys the sink's writable with any error on this side.
    this.written = pipeline(this.zip.outputStream, sink.writable);
    this.written.catch((error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))));
  }

  /**
   * Writes a zip into `sink`, which belongs to the writer from now on: {@link finish}
   * commits it, {@link abort} aborts it; so does a refusal of the options here.
   */
  static async create(sink: ArchiveSink, options: ZipWriterOptions = {}): Promise<ZipWriter> {
    const level = options.compressionLevel ?? 6;
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      const error = new PgbakError('CONFIG_INVALID', `compression level must be an integer from 0 to 9, got ${level}`);
      await sink.abort(error);
      throw error;
    }
    return new ZipWriter(sink, level);
  }

  /**
   * Streams `source` into the entry `name`. Resolves once the whole source has gone
   * into the zip; rejects if the source errors (then the archive cannot be finished).
   * A source that simply ends early (a killed child's stdout) is not an error here:
   * the caller checks how its producer exited.
   */
  async addStream(name: string, source: Readable, options: EntryOptions): Promise<EntryInfo> {
    this.assertReady(`add ${name}`);
    const counter = createHashCounter();
    // Throws synchronously on names a zip cannot hold ("../x", "/abs"): nothing is written then.
    this.zip.addReadStream(counter, name, this.entryOptions(options));
    this.current = { name, counter };
    const consumed = Promise.all([pipeline(source, counter), finished(counter)]);
    // If `failed` wins the race below, the pipeline still settles later (abort destroys it).
    consumed.catch(() => undefined);
    try {
      await Promise.race([consumed, this.failed]);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      throw error;
    } finally {
      this.current = undefined;
    }
    // A streamed entry is the bulk of an archive; what follows is small: an upload sends what it holds.
    this.sink.flush?.();
    return { name, ...counter.digest(), compressed: this.deflates(options) };
  }

  /**
   * The archive's first bytes are coming soon (a tool that writes them has started): the
   * sink gets ready now if it waits for them (ArchiveSink.prepare). Never throws.
   */
  prepare(): void {
    if (this.state === 'open') this.sink.prepare?.();
  }

  /** Adds a small in-memory entry (the manifest, the log). */
  async addBuffer(name: string, data: Buffer, options: EntryOptions): Promise<EntryInfo> {
    this.assertReady(`add ${name}`);
    // yazl's addBuffer puts sizes in the local header, which the most naive unzip
    // tools prefer; the data is already in memory, so there is nothing to stream.
    this.zip.addBuffer(data, name, this.entryOptions(options));
    const sha256 = createHash('sha256').update(data).digest('hex');
    return { name, bytes: data.length, sha256, compressed: this.deflates(options) };
  }

  /** Streams the file at `filePath` into the entry `name`; mtime defaults to the file's. */
  async addFile(name: string, filePath: string, options: EntryOptions): Promise<EntryInfo> {
    this.assertReady(`add ${name}`);
    const stats = await stat(filePath);
    if (!stats.isFile()) throw new PgbakError('INTERNAL', `cannot add ${filePath} to the archive: not a regular file`);
    return this.addStream(name, createReadStream(filePath), { mtime: stats.mtime, ...options });
  }

  /**
   * Writes the central directory and commits the sink (a local file: fsync, rename
   * `.partial` to the final name, fsync the folder). On failure nothing is left.
   */
  async finish(): Promise<FinishedArchive> {
    this.assertReady('finish');
    this.state = 'finishing';
    this.finishing = this.complete();
    return this.finishing;
  }

  /**
   * Stops writing and aborts the sink (a local file: deletes the `.partial`); the source
   * being read, if any, is destroyed. Idempotent. A finished archive is left alone; during `finish()` it
   * waits for it and keeps the archive if it completed.
   */
  async abort(): Promise<void> {
    if (this.state === 'finishing') await this.finishing?.catch(() => undefined);
    if (this.state === 'finished') return;
    this.state = 'aborted';
    this.fail(new PgbakError('INTERRUPTED', `writing ${this.location} was aborted`));
    await this.discard();
  }

  private async complete(): Promise<FinishedArchive> {
    try {
      this.zip.end();
      await Promise.race([this.written, this.failed]);
      const archive = await this.sink.commit();
      this.state = 'finished';
      return archive;
    } catch (error) {
      this.state = 'aborted';
      // A sink leaves an archive it already committed alone (a local file whose rename
      // could not be made durable): aborting it then only releases the writer.
      await this.discard();
      throw error;
    }
  }

  private discard(): Promise<void> {
    this.discarding ??= (async () => {
      // Destroying the counter makes pipeline() destroy the source too (a child's stdout).
      this.current?.counter.destroy();
      // The sink sees the failure as an error before anything else can end its writable:
      // an upload must never complete a truncated object.
      await this.sink.abort(this.failure);
      (this.zip.outputStream as Readable).destroy();
      await this.written.catch(() => undefined);
    })();
    return this.discarding;
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.rejectFailed(error);
    // The entry being written stops too: its pipeline destroys the source (a child's
    // stdout, the native engine's stream), so that a producer paused by backpressure
    // errors out instead of waiting for ever for a drain that can no longer come.
    this.current?.counter.destroy(error);
  }

  private assertReady(action: string): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.state !== 'open') throw new PgbakError('INTERNAL', `cannot ${action}: ${this.location} is ${this.state}`);
    if (this.current !== undefined) {
      throw new PgbakError('INTERNAL', `cannot ${action} while ${this.current.name} is still being written`);
    }
  }

  private deflates(options: EntryOptions): boolean {
    return options.compress && this.compressionLevel > 0;
  }

  private entryOptions(options: EntryOptions): Partial<yazl.ReadStreamOptions> {
    const common = { mtime: options.mtime ?? new Date(), mode: ENTRY_MODE };
    // yazl asserts that `compress` and `compressionLevel` agree, so pass only one of them.
    return this.deflates(options)
      ? { ...common, compressionLevel: this.compressionLevel }
      : { ...common, compress: false };
  }
}
