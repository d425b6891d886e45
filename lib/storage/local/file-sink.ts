import { rename, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PgbakError } from '../../errors.js';
import { createPrivateFile, ensurePrivateDirectory, removeIfPresent, syncDirectory } from '../../private-fs.js';
import { outputNotWritable } from '../output-error.js';
import { SinkLifecycle } from '../sink-lifecycle.js';
import type { CommittedArchive } from '../sink.js';
import { FileWritable } from './file-writable.js';


/**
 * An archive in a local folder: written to `<path>.partial`, renamed to `<path>` only
 * in {@link commit}, after an fsync of the file, and followed by an fsync of the folder.
 * A file under the final name is always complete.
 */
export class LocalFileSink extends SinkLifecycle {
  /** Absolute path of the committed archive. */
  readonly location: string;
  /** Absolute path written while the archive is unfinished. */
  readonly partialPath: string;
  readonly writable: FileWritable;

  private readonly closed: Promise<void>;
  private failure: Error | undefined;
  private discarding: Promise<void> | undefined;

  private constructor(path: string, handle: FileHandle) {
    super();
    this.location = path;
    this.partialPath = `${path}.partial`;
    this.writable = new FileWritable(handle, (error) => outputNotWritable(dirname(path), error));
    this.closed = new Promise((resolve) => this.writable.once('close', resolve));
    // Whoever writes gets the error through write() or pipeline(); the sink keeps it for
    // commit(), and its listener keeps an error nobody else listens to from crashing the process.
    this.writable.on('error', (error) => {
      this.failure ??= error;
    });
    // Destroyed before its end (a failed pipeline, a destroy()): nothing must be left.
    this.writable.once('close', () => {
      if (!this.writable.writableFinished && this.state === 'open') this.discard().catch(() => undefined);
    });
  }

  /**
   * Creates `<finalPath>.partial` exclusively (mode 0600, its folder 0700 if missing);
   * never touches `finalPath`. Anything already at the `.partial` path (a stale file, a
   * symlink) is left alone and refused: OUTPUT_NOT_WRITABLE with EEXIST as its cause.
   */
  static async open(finalPath: string): Promise<LocalFileSink> {
    const path = resolve(finalPath);
    const dir = dirname(path);
    try {
      await ensurePrivateDirectory(dir);
    } catch (error) {
      throw outputNotWritable(dir, error);
    }
    try {
      return new LocalFileSink(path, await createPrivateFile(`${path}.partial`));
    } catch (error) {
      throw outputNotWritable((error as NodeJS.ErrnoException).code === 'EEXIST' ? `${path}.partial` : dir, error);
    }
  }

  protected async complete(): Promise<CommittedArchive> {
    const dir = dirname(this.location);
    try {
      if (!this.writable.writableEnded && !this.writable.destroyed) this.writable.end();
      // The stream closes after its fsync (then it finished) or after a failure.
      await this.closed;
      if (!this.writable.writableFinished) {
        throw this.failure ?? new PgbakError('INTERRUPTED', `writing ${this.location} was aborted`);
      }
      await rename(this.partialPath, this.location);
    } catch (error) {
      this.state = 'aborted';
      await this.discard();
      throw error instanceof PgbakError ? error : outputNotWritable(dir, error);
    }
    this.state = 'committed';
    try {
      await syncDirectory(dir);
    } catch (error) {
      // The archive is complete and its data synced; only the rename's durability is in doubt.
      throw outputNotWritable(dir, error);
    }
    return { location: this.location, bytes: this.writable.bytesWritten, sha256: this.writable.digest() };
  }

  protected discard(): Promise<void> {
    this.discarding ??= (async () => {
      if (!this.writable.destroyed) this.writable.destroy();
      await this.closed;
      await removeIfPresent(this.partialPath);
    })();
    return this.discarding;
  }
}
