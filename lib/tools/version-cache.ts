import { createHash } from 'node:crypto';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { privateCacheDir, type CacheDirOptions } from '../cache-dir.js';
import type { RunVersion } from './run-version.js';
import { parseToolVersion } from './version.js';

/**
 * `$XDG_CACHE_HOME/pgbak/tool-versions` (or `~/.cache/…`) when it is a private folder of
 * this user's (lib/cache-dir.ts); undefined otherwise, and then every probe runs.
 */
export function toolVersionCacheDir(options: CacheDirOptions): string | undefined {
  return privateCacheDir('tool-versions', options);
}

// The first bytes of a compiled program: ELF, Mach-O (both byte orders, 32 and 64 bit,
// universal) and Windows' PE ("MZ"). A script (Debian's pg_wrapper, a Nix wrapper, a test's
// fake pg_dump) may print another version tomorrow without changing a byte — it runs
// whatever it finds — so its output is never kept.
const PROGRAM_MAGIC = ['7f454c46', 'feedface', 'feedfacf', 'cefaedfe', 'cffaedfe', 'cafebabe'];

interface Identity {
  path: string;
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

interface CachedProbe extends Identity {
  stdout: string;
}

/**
 * Wraps `run` so that the `--version` output of a compiled program is kept in `dir` and
 * used again while the file is the same one: its path, device, inode, size, and change
 * and modification times to the nanosecond — a package upgrade or a copy over it changes
 * them, and the program is asked again. Only a clean answer (exit 0, a version in it) is
 * kept. Anything unusual (no folder, an unreadable or foreign entry, a write that fails)
 * runs the probe as if there were no cache: the cache can make a start faster, never different.
 */
export function cachingRunVersion(run: RunVersion, dir: string | undefined): RunVersion {
  if (dir === undefined) return run;
  return async (file, env) => {
    const identity = await programIdentity(file);
    if (identity === undefined) return run(file, env);
    const entry = join(dir, `${createHash('sha256').update(file).digest('hex').slice(0, 32)}.json`);
    const cached = await readEntry(entry, identity);
    if (cached !== undefined) return { exitCode: 0, stdout: cached, stderr: '' };
    const probe = await run(file, env);
    if (probe.exitCode === 0 && probe.failure === undefined && parseToolVersion(probe.stdout) !== null) await writeEntry(entry, { ...identity, stdout: probe.stdout });
    return probe;
  };
}

/** The file's identity when it is a compiled program; undefined for a script or what cannot be read. */
async function programIdentity(file: string): Promise<Identity | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
    const stats = await handle.stat({ bigint: true });
    if (!stats.isFile()) return undefined;
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    const hex = head.subarray(0, bytesRead).toString('hex');
    if (!PROGRAM_MAGIC.includes(hex) && !hex.startsWith('4d5a')) return undefined;
    return { path: file, dev: String(stats.dev), ino: String(stats.ino), size: String(stats.size), mtimeNs: String(stats.mtimeNs), ctimeNs: String(stats.ctimeNs) };
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function readEntry(entry: string, identity: Identity): Promise<string | undefined> {
  let parsed: Partial<CachedProbe>;
  try {
    parsed = JSON.parse(await readFile(entry, 'utf8')) as Partial<CachedProbe>;
  } catch {
    return undefined;
  }
  const same = (Object.keys(identity) as Array<keyof Identity>).every((key) => parsed[key] === identity[key]);
  if (!same || typeof parsed.stdout !== 'string' || parseToolVersion(parsed.stdout) === null) return undefined;
  return parsed.stdout;
}

async function writeEntry(entry: string, probe: CachedProbe): Promise<void> {
  const temporary = `${entry}.${process.pid}.${Date.now()}.tmp`;
  try {
    // Opened exclusively (never through an existing file or symlink), 0600; complete before it has its name.
    await writeFile(temporary, `${JSON.stringify(probe)}\n`, { flag: 'wx', mode: 0o600 });
    await rename(temporary, entry);
  } catch {
    await rm(temporary, { force: true }).catch(() => undefined);
  }
}

