import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PgbakError } from '../../errors.js';
import { createPrivateFile, syncDirectory } from '../../private-fs.js';
import { describeFsError } from '../output-error.js';
import type { BackupRepository, DeleteOutcome, RepositoryObject } from '../repository.js';
import { LocalFileSource, type ArchiveSource } from '../source.js';

/** A local folder as a backup repository: its files, not its subfolders' files. */
export class FolderRepository implements BackupRepository {
  readonly kind = 'folder' as const;
  readonly location: string;
  readonly folder: string;

  constructor(dir: string) {
    this.folder = resolve(dir);
    this.location = this.folder;
  }

  locate(name: string): string {
    return join(this.folder, name);
  }

  /** Every entry, stat'ed (symlinks followed); a folder that does not exist is empty; one that cannot be read throws OUTPUT_UNREADABLE. */
  async list(): Promise<RepositoryObject[]> {
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new PgbakError('OUTPUT_UNREADABLE', `cannot read the output folder ${this.folder}: ${describeFsError(error)}`, {
        hint: "check --output-dir (or PGBAK_OUTPUT_DIR) and the folder's permissions",
        cause: error,
      });
    }
    return Promise.all(
      names.map(async (name): Promise<RepositoryObject> => {
        try {
          const info = await stat(this.locate(name));
          return { name, size: info.isFile() ? info.size : 0, lastModified: info.mtime, regular: info.isFile() };
        } catch (error) {
          return { name, size: 0, lastModified: null, regular: false, problem: (error as Error).message };
        }
      }),
    );
  }

  async subfolders(): Promise<string[]> {
    try {
      const entries = await readdir(this.folder, { withFileTypes: true });
      return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw error;
    }
  }

  child(name: string): FolderRepository {
    return new FolderRepository(join(this.folder, name));
  }

  openSource(name: string): Promise<ArchiveSource> {
    return LocalFileSource.open(this.locate(name));
  }

  async readSmall(name: string, maxBytes = 1024 * 1024): Promise<string | null> {
    const path = this.locate(name);
    try {
      const info = await stat(path);
      if (info.size > maxBytes) throw new PgbakError('ARCHIVE_INVALID', `${path} is ${info.size} bytes, more than the ${maxBytes} expected`);
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Private temp file, fsync, rename into place (mode 0600). */
  async writeSmall(name: string, body: string): Promise<void> {
    const path = this.locate(name);
    const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const handle = await createPrivateFile(draft);
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(draft, path);
      await syncDirectory(this.folder);
    } catch (error) {
      await unlink(draft).catch(() => undefined);
      throw error;
    }
  }

  /** One unlink per name, in order; a name already gone is an error (the caller asked for what it listed). */
  async deleteMany(names: readonly string[]): Promise<DeleteOutcome[]> {
    const outcomes: DeleteOutcome[] = [];
    for (const name of names) {
      try {
        await unlink(this.locate(name));
        outcomes.push({ name, error: null });
      } catch (error) {
        outcomes.push({ name, error: describeFsError(error) });
      }
    }
    return outcomes;
  }

  async close(): Promise<void> {}
}
