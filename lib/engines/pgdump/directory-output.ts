import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EntryInfo } from '../../archive/index.js';
import { createOwnedTempDir } from '../../process/owner.js';
import type { ArchiveEntries } from '../step.js';

// pg_dump -Fd compresses each table file itself; storing those again is wasted CPU.
const alreadyCompressed = /\.(gz|lz4|zst)$/;

/**
 * Runs `fn` with a fresh 0700 directory inside `parent` (the output folder, so a
 * big directory dump lands on the disk sized for backups, not on a tmpfs) and
 * removes it afterwards, whatever happens. It names its owner, so that what a
 * killed run leaves is found and removed later (retention/leftovers.ts).
 */
export async function withPrivateTempDir<T>(parent: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await createOwnedTempDir(parent, '.pgbak-tmp-');
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Adds every file of a pg_dump directory-format dump under `prefix`, toc.dat first. */
export async function addDirectoryEntries(zip: ArchiveEntries, dir: string, prefix: string): Promise<EntryInfo[]> {
  const names = (await readdir(dir)).sort((a, b) => (a === 'toc.dat' ? -1 : b === 'toc.dat' ? 1 : a.localeCompare(b)));
  const entries: EntryInfo[] = [];
  for (const name of names) {
    entries.push(await zip.addFile(`${prefix}${name}`, join(dir, name), { compress: !alreadyCompressed.test(name) }));
  }
  return entries;
}
