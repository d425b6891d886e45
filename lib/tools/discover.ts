import path from 'node:path';
import { listCandidateDirs } from './candidate-dirs.js';
import { runVersion as defaultRunVersion, type RunVersion } from './run-version.js';
import { createNodeToolFs, type ToolFs } from './tool-fs.js';
import { cachingRunVersion } from './version-cache.js';
import { TOOL_NAMES, type RejectedTool, type ToolDiscovery, type ToolInfo, type ToolInventory, type ToolName, type ToolOrigin } from './types.js';
import { parseToolVersion } from './version.js';

/** Inputs of `discoverTools`. Only `env` is required. */
export interface DiscoverToolsOptions {
  /** The environment to read PGBAK_PG_BIN and PATH from, and to run the tools with. */
  env: Readonly<Record<string, string | undefined>>;
  /** Which tools to look for; all four by default. */
  names?: readonly ToolName[];
  platform?: NodeJS.Platform;
  runVersion?: RunVersion;
  fs?: ToolFs;
  /** Replaces the usual install folders (tests use [] to see only their temp dirs). */
  installDirs?: readonly string[];
  /**
   * A private folder where the `--version` output of compiled programs is kept while the
   * file stays the same (toolVersionCacheDir; see version-cache.ts): every probe is a process start.
   */
  versionCache?: string | undefined;
}

interface Candidate {
  name: ToolName;
  path: string;
  origin: ToolOrigin;
}

/**
 * Finds every copy of the client tools in PGBAK_PG_BIN, PATH and the usual install
 * folders, runs each one's `--version` (in parallel) and returns the usable ones in
 * precedence order. Copies that resolve to the same file are listed once, under the
 * first path found; candidates that fail are listed in `rejected` with the reason.
 */
export async function discoverTools(options: DiscoverToolsOptions): Promise<ToolDiscovery> {
  const platform = options.platform ?? process.platform;
  const fs = options.fs ?? createNodeToolFs(platform);
  const run = cachingRunVersion(options.runVersion ?? defaultRunVersion, options.versionCache);
  const names = options.names ?? TOOL_NAMES;
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const dirs = await listCandidateDirs({ env: options.env, platform, fs, installDirs: options.installDirs });

  const probes = dirs.flatMap(({ dir, origin }) =>
    names.map((name) => ({ name, origin, path: paths.join(dir, platform === 'win32' ? `${name}.exe` : name) })),
  );
  const kinds = await Promise.all(probes.map((candidate) => fs.inspect(candidate.path)));

  const rejected: RejectedTool[] = [];
  const found: Candidate[] = [];
  probes.forEach((candidate, index) => {
    const kind = kinds[index];
    if (kind === 'executable') found.push(candidate);
    else if (kind === 'not-executable') rejected.push({ ...candidate, reason: 'not executable' });
    // PGBAK_PG_BIN is a promise from the user: say so when it is not kept.
    else if (candidate.origin === 'PGBAK_PG_BIN') {
      rejected.push({ ...candidate, reason: kind === 'missing' ? 'not found' : 'not a file' });
    }
  });

  const unique = await dropSameFile(found, fs);
  const probed = await Promise.all(unique.map((candidate) => probeCandidate(candidate, run, options.env)));

  const inventory = Object.fromEntries(TOOL_NAMES.map((name) => [name, [] as ToolInfo[]])) as ToolInventory;
  for (const result of probed) {
    if ('reason' in result) rejected.push(result);
    else inventory[result.name].push(result);
  }
  return { inventory, rejected };
}

// Debian's /usr/bin/pg_dump is a link to pg_wrapper, a Perl script that picks one
// of the real binaries in /usr/lib/postgresql/<major>/bin by rules of its own.
// When those are found too, pgbak chooses among them itself: the wrapper adds a
// Perl start per call and would hide which binary really ran.
const debianWrapper = /[\\/]postgresql-common[\\/]pg_wrapper$/;

async function dropSameFile(candidates: Candidate[], fs: ToolFs): Promise<Candidate[]> {
  const realPaths = await Promise.all(candidates.map((c) => fs.realpath(c.path).catch(() => c.path)));
  const seen = new Set<string>();
  const direct = new Set(candidates.filter((_, i) => !debianWrapper.test(realPaths[i] ?? '')).map((c) => c.name));
  return candidates.filter((candidate, index) => {
    if (debianWrapper.test(realPaths[index] ?? '') && direct.has(candidate.name)) return false;
    const key = `${candidate.name}\0${realPaths[index] ?? candidate.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function probeCandidate(candidate: Candidate, run: RunVersion, env: DiscoverToolsOptions['env']): Promise<ToolInfo | RejectedTool> {
  let probe;
  try {
    probe = await run(candidate.path, env);
  } catch (error) {
    return { ...candidate, reason: `could not run --version: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (probe.failure !== undefined) return { ...candidate, reason: `could not run --version: ${probe.failure}` };
  if (probe.exitCode !== 0) {
    const detail = lastLine(probe.stderr) ?? lastLine(probe.stdout);
    return { ...candidate, reason: `--version exited with code ${probe.exitCode}${detail ? `: ${detail}` : ''}` };
  }
  const version = parseToolVersion(probe.stdout);
  if (!version) {
    return { ...candidate, reason: `unrecognised --version output: ${JSON.stringify(lastLine(probe.stdout) ?? '')}` };
  }
  return { ...candidate, version };
}

function lastLine(text: string): string | undefined {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  const line = lines[lines.length - 1];
  return line === undefined ? undefined : line.slice(0, 200);
}
