import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { basename, dirname, join } from 'node:path';
import vm from 'node:vm';
import { crc32 } from 'node:zlib';
import { privateCacheDir, type CacheDirOptions } from '../cache-dir.js';

export interface CompileCacheOptions extends CacheDirOptions {
  /** The process's environment, handed in by bin/pgbak.js (the process boundary). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Which cache of the bundle: one per command (cacheVariant), since a cache holds the
   * functions the command that wrote it compiled.
   */
  variant?: string;
}

/**
 * The command a pgbak argv runs (its first plain word: `run`, `restore`…), as the name of
 * the code cache to use: a cache written by `pgbak --version` lacks everything a run
 * compiles, and a run started from it compiled those at every start (+0.03 s of CPU).
 * `none` when there is no such word.
 */
export function cacheVariant(argv: readonly string[]): string {
  return argv.find((arg) => /^[a-z][a-z0-9-]{0,31}$/.test(arg)) ?? 'none';
}

export interface LoadedBundle<T> {
  exports: T;
  /** Where the compiled code is kept, if anywhere; whether it was read from there this time. */
  cache: { file: string; used: boolean } | undefined;
  /** Writes the compiled code (what ran so far included) when the cache had none that fit. Never throws. */
  persist(): void;
}

/**
 * Loads the CLI bundle (dist/cli.cjs, CommonJS) with V8's code cache: compiling the 2 MB
 * bundle is a good part of the fixed cost every pgbak start pays, and Node 20 caches no
 * compiled code of its own (module.enableCompileCache is 22.8+, and for ES modules). The
 * cache file is named after the install, the Node version and a CRC-32 of the bundle's text
 * (V8 itself only compares lengths) and the command (cacheVariant), lives in a private folder
 * of the user's own (compileCacheDir), and is written once, at exit, with every function the
 * command compiled. Without a usable
 * folder, or with NODE_DISABLE_COMPILE_CACHE set (Node's own switch), it loads uncached.
 */
export function loadBundle<T>(file: string, options: CompileCacheOptions): LoadedBundle<T> {
  const { env } = options;
  const bytes = readFileSync(file);
  const source = bytes.toString('utf8');
  const folder = env.NODE_DISABLE_COMPILE_CACHE === undefined ? compileCacheDir(options) : undefined;
  // One file per install (its folder's CRC-32), Node version and architecture: two installs of
  // one user (a global one, a project's) keep their own instead of replacing each other's.
  const install = crc32(dirname(file)).toString(16).padStart(8, '0');
  // A start from a startup snapshot (bin/pgbak) keeps caches of its own, one per blob: Node 26
  // rejects code cached by a start without that blob, and the other way round (alternating,
  // they replaced each other's cache: a compile from scratch at every start).
  const blob = snapshotBlob(process.execArgv);
  const mode = blob === undefined ? '' : `-snapshot${crc32(blob).toString(16).padStart(8, '0')}`;
  const prefix = `${basename(file)}-${install}-${process.version}${mode}-${process.arch}-`;
  const build = crc32(bytes).toString(16).padStart(8, '0');
  const variant = options.variant !== undefined && /^[a-z][a-z0-9-]{0,31}$/.test(options.variant) ? options.variant : 'none';
  const cacheFile = folder && join(folder, `${prefix}${build}-${variant}.v8`);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile) cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(nodeModule.wrap(source), {
    filename: file,
    cachedData,
    // import() inside the bundle (the S3 module, nodemailer) goes to Node's own loader.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const used = cachedData !== undefined && script.cachedDataRejected === false;
  const module = { exports: {} as T };
  const wrapper = script.runInThisContext() as (exports: T, require: NodeJS.Require, module: { exports: T }, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, nodeModule.createRequire(file), module, file, dirname(file));
  let persisted = used;
  return {
    exports: module.exports,
    cache: cacheFile ? { file: cacheFile, used } : undefined,
    persist() {
      if (persisted || !cacheFile) return;
      persisted = true;
      writeCache(cacheFile, prefix, build, script);
    },
  };
}

/** The startup snapshot Node was started from (`--snapshot-blob <file>`, as bin/pgbak does), if any. */
export function snapshotBlob(execArgv: readonly string[]): string | undefined {
  let blob: string | undefined;
  execArgv.forEach((arg, index) => {
    if (arg === '--snapshot-blob') blob = execArgv[index + 1] ?? '';
    else if (arg.startsWith('--snapshot-blob=')) blob = arg.slice('--snapshot-blob='.length);
  });
  return blob;
}

function writeCache(cacheFile: string, prefix: string, build: string, script: vm.Script): void {
  const folder = dirname(cacheFile);
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    // Opened exclusively (never through an existing file or symlink), 0600; complete before it has its name.
    writeFileSync(temporary, script.createCachedData(), { flag: 'wx', mode: 0o600 });
    renameSync(temporary, cacheFile);
    // The caches of earlier builds (another CRC) are never read again; other commands' stay.
    for (const name of readdirSync(folder)) {
      if (name.startsWith(prefix) && name.endsWith('.v8') && !name.startsWith(`${prefix}${build}-`)) rmSync(join(folder, name), { force: true });
    }
  } catch {
    rmSync(temporary, { force: true });
  }
}

/**
 * `$XDG_CACHE_HOME/pgbak/node-compile-cache` (or `~/.cache/…`): a private folder of this
 * user's (lib/cache-dir.ts), or undefined (no cache).
 */
export function compileCacheDir(options: CompileCacheOptions): string | undefined {
  return privateCacheDir('node-compile-cache', options);
}
