import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PgbakError } from '../../../lib/errors.js';

/** Runs `fn` and returns the PgbakError it throws (sync or async); fails otherwise. */
export async function rejection(fn: () => unknown): Promise<PgbakError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof PgbakError) return error;
    throw error;
  }
  throw new Error('expected a PgbakError, nothing was thrown');
}

/** Synchronous variant of `rejection`. */
export function thrown(fn: () => unknown): PgbakError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PgbakError) return error;
    throw error;
  }
  throw new Error('expected a PgbakError, nothing was thrown');
}

/** A private temp folder with a helper to write files into it. */
export interface TempDir {
  path: string;
  write(relative: string, text: string): Promise<string>;
  remove(): Promise<void>;
}

export async function createTempDir(prefix = 'pgbak-unit-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    async write(relative, text) {
      const file = join(path, relative);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text, 'utf8');
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
