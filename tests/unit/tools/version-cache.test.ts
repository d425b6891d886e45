import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverTools } from '../../../lib/tools/discover.js';
import type { RunVersion, VersionProbe } from '../../../lib/tools/run-version.js';
import { cachingRunVersion, toolVersionCacheDir } from '../../../lib/tools/version-cache.js';

// A compiled program to stand in for pg_dump: the cache looks at the file, the (injected)
// runner says what its --version printed. /bin/true and /bin/false are both ELF programs.
const programs = ['/bin/true', '/bin/false'].filter((file) => {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
});

let base: string;
let bin: string;
let cache: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'pgbak-version-cache-'));
  bin = join(base, 'bin');
  mkdirSync(bin);
  cache = toolVersionCacheDir({ env: { XDG_CACHE_HOME: join(base, 'xdg') } }) as string;
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** A runner that answers `output` and counts its calls. */
function fakeRunner(output: () => string, exitCode = 0): RunVersion & { calls: number } {
  const run = async (): Promise<VersionProbe> => {
    run.calls++;
    return { exitCode, stdout: output(), stderr: '' };
  };
  run.calls = 0;
  return run;
}

const discover = (run: RunVersion, options: { versionCache?: string } = { versionCache: cache }) =>
  discoverTools({ env: { PATH: bin }, names: ['pg_dump'], installDirs: [], runVersion: run, ...options });
const versions = async (run: RunVersion, options?: { versionCache?: string }) => (await discover(run, options)).inventory.pg_dump.map((tool) => tool.version.text);

describe('the --version cache of client tools', () => {
  it('is a private folder under XDG_CACHE_HOME, made 0700', () => {
    expect(cache).toBe(join(base, 'xdg', 'pgbak', 'tool-versions'));
    expect(statSync(cache).mode & 0o777).toBe(0o700);
  });

  it('answers a compiled program from the cache while the file is the same one', async () => {
    copyFileSync(programs[0]!, join(bin, 'pg_dump'));
    const run = fakeRunner(() => 'pg_dump (PostgreSQL) 15.18');
    expect(await versions(run)).toEqual(['15.18']);
    expect(await versions(run)).toEqual(['15.18']);
    expect(run.calls).toBe(1);
    const [entry] = readdirSync(cache);
    expect(statSync(join(cache, entry!)).mode & 0o777).toBe(0o600);
  });

  it('never answers from a stale entry: pg_dump replaced by another program (an upgrade) is asked again', async () => {
    copyFileSync(programs[0]!, join(bin, 'pg_dump'));
    let output = 'pg_dump (PostgreSQL) 15.18';
    const run = fakeRunner(() => output);
    expect(await versions(run)).toEqual(['15.18']);
    // A package upgrade writes a new file and renames it into place.
    copyFileSync(programs[1] ?? programs[0]!, join(bin, 'pg_dump.new'));
    output = 'pg_dump (PostgreSQL) 16.4';
    renameSync(join(bin, 'pg_dump.new'), join(bin, 'pg_dump'));
    expect(await versions(run)).toEqual(['16.4']);
    expect(run.calls).toBe(2);
    expect(await versions(run)).toEqual(['16.4']);
    expect(run.calls).toBe(2);
  });

  it('asks again when the same file is rewritten in place (its times change), even with the same size', async () => {
    copyFileSync(programs[0]!, join(bin, 'pg_dump'));
    let output = 'pg_dump (PostgreSQL) 15.18';
    const run = fakeRunner(() => output);
    expect(await versions(run)).toEqual(['15.18']);
    // Same inode, same size, an older modification time than before: only the times tell.
    copyFileSync(programs[0]!, join(bin, 'pg_dump'));
    utimesSync(join(bin, 'pg_dump'), new Date(2001, 0, 1), new Date(2001, 0, 1));
    output = 'pg_dump (PostgreSQL) 15.19';
    expect(await versions(run)).toEqual(['15.19']);
    expect(run.calls).toBe(2);
  });

  it('asks again when the path now links to another program', async () => {
    mkdirSync(join(base, 'v15'));
    mkdirSync(join(base, 'v16'));
    copyFileSync(programs[0]!, join(base, 'v15', 'pg_dump'));
    copyFileSync(programs[0]!, join(base, 'v16', 'pg_dump'));
    symlinkSync(join(base, 'v15', 'pg_dump'), join(bin, 'pg_dump'));
    let output = 'pg_dump (PostgreSQL) 15.18';
    const run = fakeRunner(() => output);
    expect(await versions(run)).toEqual(['15.18']);
    rmSync(join(bin, 'pg_dump'));
    symlinkSync(join(base, 'v16', 'pg_dump'), join(bin, 'pg_dump'));
    output = 'pg_dump (PostgreSQL) 16.4';
    expect(await versions(run)).toEqual(['16.4']);
    expect(run.calls).toBe(2);
  });

  it('never keeps the answer of a script (a wrapper may run another pg_dump tomorrow)', async () => {
    writeFileSync(join(bin, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 15.18"\n');
    chmodSync(join(bin, 'pg_dump'), 0o755);
    const run = fakeRunner(() => 'pg_dump (PostgreSQL) 15.18');
    await versions(run);
    await versions(run);
    expect(run.calls).toBe(2);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('never keeps a failed probe or an answer that is not a version', async () => {
    copyFileSync(programs[0]!, join(bin, 'pg_dump'));
    const failing = fakeRunner(() => 'pg_dump: error while loading shared libraries', 127);
    expect((await discover(failing)).rejected).toHaveLength(1);
    expect((await discover(failing)).rejected).toHaveLength(1);
    expect(failing.calls).toBe(2);
    const odd = fakeRunner(() => 'hello');
    await discover(odd);
    await discover(odd);
    expect(odd.calls).toBe(2);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('runs the probe over a damaged or foreign entry, and replaces it', async () => {
    copyFileSync(programs[0]!, join(bin, 'pg_dump'));
    const run = fakeRunner(() => 'pg_dump (PostgreSQL) 15.18');
    await versions(run);
    const [entry] = readdirSync(cache);
    writeFileSync(join(cache, entry!), '{"stdout": "pg_dump (PostgreSQL) 99.0"');
    expect(await versions(run)).toEqual(['15.18']);
    writeFileSync(join(cache, entry!), JSON.stringify({ path: join(bin, 'pg_dump'), stdout: 'pg_dump (PostgreSQL) 99.0' }));
    expect(await versions(run)).toEqual(['15.18']);
    expect(run.calls).toBe(3);
    expect(await versions(run)).toEqual(['15.18']);
    expect(run.calls).toBe(3);
  });

  it('runs every probe without a cache folder, or when the folder cannot be written', async () => {
    copyFileSync(programs[0]!, join(bin, 'pg_dump'));
    const run = fakeRunner(() => 'pg_dump (PostgreSQL) 15.18');
    expect(await versions(run, {})).toEqual(['15.18']);
    expect(await versions(run, {})).toEqual(['15.18']);
    expect(run.calls).toBe(2);
    const gone = join(base, 'no-such-folder');
    expect(await versions(run, { versionCache: gone })).toEqual(['15.18']);
    expect(await versions(run, { versionCache: gone })).toEqual(['15.18']);
    expect(run.calls).toBe(4);
  });

  it('is none when the folder is not private', () => {
    mkdirSync(join(base, 'shared'), { mode: 0o777 });
    chmodSync(join(base, 'shared'), 0o1777);
    expect(toolVersionCacheDir({ env: { XDG_CACHE_HOME: join(base, 'shared') } })).toBeUndefined();
  });

  it('passes a runner through untouched without a folder', () => {
    const run = fakeRunner(() => '');
    expect(cachingRunVersion(run, undefined)).toBe(run);
  });
});
