import { lstatSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export interface CacheDirOptions {
  /** The environment to read XDG_CACHE_HOME from. */
  env: Readonly<Record<string, string | undefined>>;
  uid?: number | undefined;
  home?: string;
}

/**
 * `$XDG_CACHE_HOME/pgbak/<name>` (or `~/.cache/…`), made 0700 when missing, or undefined
 * (no cache) unless the cache root and both pgbak folders are directories of this user
 * that no one else may write, and pgbak's own two are not symlinks: another user who could
 * put files there could run code as this one, or make pgbak believe what is not so.
 */
export function privateCacheDir(name: string, options: CacheDirOptions): string | undefined {
  const { env } = options;
  const uid = 'uid' in options ? options.uid : process.getuid?.();
  if (uid === undefined) return undefined;
  const xdg = env.XDG_CACHE_HOME;
  let home: string;
  try {
    home = options.home ?? homedir();
  } catch {
    return undefined;
  }
  const root = xdg && isAbsolute(xdg) ? xdg : home && isAbsolute(home) ? join(home, '.cache') : undefined;
  if (root === undefined) return undefined;
  const pgbakDir = join(root, 'pgbak');
  const directory = join(pgbakDir, name);
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const isPrivate = (stats: Stats) => stats.isDirectory() && stats.uid === uid && (stats.mode & 0o022) === 0;
    if (!isPrivate(statSync(root)) || !isPrivate(lstatSync(pgbakDir)) || !isPrivate(lstatSync(directory))) return undefined;
  } catch {
    return undefined;
  }
  return directory;
}
