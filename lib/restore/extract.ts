import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ZipReader } from '../archive/index.js';
import { archiveInvalid } from '../archive/archive-invalid.js';
import { outputNotWritable } from '../archive/output-error.js';
import type { Env } from '../config/env-file.js';
import type { RestoreInput } from './types.js';

/**
 * Runs `fn` with a fresh private (0700) directory inside PGBAK_TMPDIR or the
 * system temp folder, and removes it whatever happens: it holds a copy of a
 * database's data.
 */
export async function withRestoreTempDir<T>(env: Env, fn: (dir: string) => Promise<T>): Promise<T> {
  const parent = env.PGBAK_TMPDIR ?? tmpdir();
  let dir: string;
  try {
    dir = await mkdtemp(join(parent, 'pgbak-restore-'));
  } catch (error) {
    throw outputNotWritable(parent, error);
  }
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes the input's entries into `dir` and returns what pg_restore should read:
 * the file of a single entry, or the folder of a directory-format dump.
 * `only` limits a directory dump to some of its files (toc.dat for --list).
 */
export async function extractInput(reader: ZipReader, input: RestoreInput, dir: string, signal: AbortSignal, only?: (file: string) => boolean): Promise<string> {
  if (input.type === 'entry') {
    const file = join(dir, basename(input.name));
    await extractOne(reader, input.name, file, signal);
    return file;
  }
  const target = join(dir, 'dump');
  await mkdir(target, { mode: 0o700 });
  for (const name of input.entries) {
    const file = name.slice(input.prefix.length);
    // A directory dump is flat; anything else under the prefix was not written by pg_dump.
    if (!name.startsWith(input.prefix) || file === '' || file.includes('/')) {
      throw archiveInvalid(reader.path, `unexpected entry ${name} in the directory dump ${input.prefix}`);
    }
    if (only && !only(file)) continue;
    await extractOne(reader, name, join(target, file), signal);
  }
  return target;
}

async function extractOne(reader: ZipReader, name: string, file: string, signal: AbortSignal): Promise<void> {
  try {
    await pipeline(await reader.openStream(name), createWriteStream(file, { mode: 0o600, flags: 'wx' }), { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    if ((error as NodeJS.ErrnoException).code !== undefined && (error as NodeJS.ErrnoException).syscall !== undefined) {
      throw outputNotWritable(file, error);
    }
    throw error;
  }
}
