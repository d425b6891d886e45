import { lstatSync, mkdirSync, statSync, type Stats } from 'node:fs';
import nodeModule from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

type Enable = (directory: string) => unknown;

export interface CompileCacheOptions {
  env?: NodeJS.ProcessEnv;
  /** Node's `module.enableCompileCache` (Node 22.8+); absent on Node 20, where this does nothing. */
  enable?: Enable | undefined;
  uid?: number | undefined;
  home?: string;
}

/**
 * Turns on Node's on-disk cache of compiled code for the CLI (bin/pgbak.js calls it before it
 * loads dist/cli.js): V8 then reads the bundle's compiled functions instead of compiling them
 * again at every start, part of the fixed cost every run pays. Node 22.8+; a no-op on Node 20.
 * The cache is code this user's next pgbak runs, so it lives only in a private folder of the
 * user's own (see compileCacheDir), never in the shared temp folder Node defaults to.
 * NODE_DISABLE_COMPILE_CACHE=1 (Node's own switch) turns it off. Never fails a start.
 * Returns the folder in use, if any.
 */
export function enableCompileCache(options: CompileCacheOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  const enable = 'enable' in options ? options.enable : (nodeModule as { enableCompileCache?: Enable }).enableCompileCache;
  // Node turns the cache off when the variable is set at all, even to ''.
  if (typeof enable !== 'function' || env.NODE_DISABLE_COMPILE_CACHE !== undefined) return undefined;
  const directory = compileCacheDir({ ...options, env });
  if (directory === undefined) return undefined;
  try {
    enable(directory);
    return directory;
  } catch {
    return undefined;
  }
}

/**
 * `$XDG_CACHE_HOME/pgbak/node-compile-cache` (or `~/.cache/…`), made 0700 when missing, or
 * undefined (no cache) unless the cache root and both pgbak folders are directories of this
 * user that no one else may write, and pgbak's own two are not symlinks: another user who
 * could put files there could run code as this one.
 */
export function compileCacheDir(options: CompileCacheOptions = {}): string | undefined {
  const env = options.env ?? process.env;
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
  const directory = join(pgbakDir, 'node-compile-cache');
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const private_ = (stats: Stats) => stats.isDirectory() && stats.uid === uid && (stats.mode & 0o022) === 0;
    if (!private_(statSync(root)) || !private_(lstatSync(pgbakDir)) || !private_(lstatSync(directory))) return undefined;
  } catch {
    return undefined;
  }
  return directory;
}
