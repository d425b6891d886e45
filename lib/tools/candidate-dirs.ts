import path from 'node:path';
import type { ToolFs } from './tool-fs.js';
import type { ToolOrigin } from './types.js';

/** A directory that may hold client tools, and why it is searched. */
export interface CandidateDir {
  dir: string;
  origin: ToolOrigin;
}

/** The usual install folders, searched after PATH; `*` matches within one path segment. */
export const POSIX_INSTALL_DIRS: readonly string[] = [
  '/usr/lib/postgresql/*/bin', // Debian / Ubuntu (apt.postgresql.org too)
  '/usr/pgsql-*/bin', // RHEL / PGDG rpms
  '/opt/homebrew/opt/postgresql@*/bin', // Homebrew on Apple silicon
  '/usr/local/opt/postgresql@*/bin', // Homebrew on Intel
  '/opt/homebrew/bin',
  '/usr/local/pgsql/bin', // built from source
  '/Applications/Postgres.app/Contents/Versions/*/bin',
];

export const WINDOWS_INSTALL_DIRS: readonly string[] = ['C:\\Program Files\\PostgreSQL\\*\\bin'];

export interface ListCandidateDirsOptions {
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  fs: ToolFs;
  installDirs?: readonly string[];
}

/** PGBAK_PG_BIN's directories, then PATH's, then the install folders that exist; each once. */
export async function listCandidateDirs(options: ListCandidateDirsOptions): Promise<CandidateDir[]> {
  const { env, platform, fs } = options;
  const paths = platform === 'win32' ? path.win32 : path.posix;
  // PGBAK_PG_INSTALL_DIRS replaces the usual install folders (path-delimited
  // patterns; empty: none), e.g. to make sure only PGBAK_PG_BIN and PATH count.
  const fromEnv = env.PGBAK_PG_INSTALL_DIRS;
  const envPatterns = fromEnv === undefined ? undefined : fromEnv.split(platform === 'win32' ? ';' : ':').filter((p) => p !== '');
  const installPatterns = options.installDirs ?? envPatterns ?? (platform === 'win32' ? WINDOWS_INSTALL_DIRS : POSIX_INSTALL_DIRS);
  const pathVar = platform === 'win32' ? (env.PATH ?? env.Path ?? '') : (env.PATH ?? '');

  const installDirs: string[] = [];
  for (const pattern of installPatterns) installDirs.push(...(await expandDirPattern(pattern, fs, paths)));

  const ordered: CandidateDir[] = [
    ...splitPathList(env.PGBAK_PG_BIN ?? '', paths).map((dir) => ({ dir, origin: 'PGBAK_PG_BIN' as const })),
    ...splitPathList(pathVar, paths).map((dir) => ({ dir, origin: 'PATH' as const })),
    ...installDirs.map((dir) => ({ dir, origin: 'install-dir' as const })),
  ];
  const seen = new Set<string>();
  return ordered.filter(({ dir }) => {
    const key = paths.normalize(dir);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function splitPathList(value: string, paths: path.PlatformPath): string[] {
  // Relative entries ('' and '.' mean the working directory in POSIX PATH) are
  // skipped: a cron job must not run whatever pg_dump sits in its cwd.
  return value
    .split(paths.delimiter)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && paths.isAbsolute(entry));
}

/**
 * Expands `*` in a directory pattern by reading the directories on the way,
 * newest-looking names first (postgresql@17 before postgresql@16). A pattern
 * without a wildcard comes back as is, whether it exists or not.
 */
export async function expandDirPattern(pattern: string, fs: ToolFs, paths: path.PlatformPath = path.posix): Promise<string[]> {
  const segments = pattern.split(/[\\/]/);
  const wildIndex = segments.findIndex((segment) => segment.includes('*'));
  if (wildIndex === -1) return [pattern];
  const parent = segments.slice(0, wildIndex).join(paths.sep) || paths.sep;
  const wild = segments[wildIndex] ?? '';
  const rest = segments.slice(wildIndex + 1);
  const matcher = new RegExp(`^${wild.split('*').map(escapeRegExp).join('.*')}$`);
  const names = (await fs.listDir(parent))
    .filter((name) => matcher.test(name))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  const expanded: string[] = [];
  for (const name of names) {
    const next = paths.join(parent, name, ...rest);
    expanded.push(...(await expandDirPattern(next, fs, paths)));
  }
  return expanded;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
