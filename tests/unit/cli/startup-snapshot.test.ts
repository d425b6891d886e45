import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { pgbakBin, repoRoot } from '../../support/cli.js';

// bin/pgbak (the package's command, the container's entry point) starts Node from the V8
// startup snapshot npm run build made for that Node (scripts/build-snapshot.js, dist/snapshot/),
// and must fall back to `node bin/pgbak.js` whenever the blob would not fit: Node exits (code
// 14) on a blob of another binary or other V8 flags. Which start a process had shows in the
// compile cache it keeps: a start from a blob keeps its own (`…-snapshot<crc>-…`, lib/cli/compile-cache.ts).
const launcher = join(repoRoot, 'bin', 'pgbak');
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

// The blob for the Node running these tests: CI runs them on Node 20 and on Node 26 from one build.
beforeAll(async () => {
  await execa(process.execPath, [join(repoRoot, 'scripts', 'build-snapshot.js')], { cwd: repoRoot });
}, 120_000);

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'pgbak-snapshot-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function launch(args: string[], options: { env?: Record<string, string>; nodeDir?: string; command?: string; cwd?: string } = {}) {
  const { NODE_OPTIONS: _options, PGBAK_NO_SNAPSHOT: _off, NODE_DISABLE_COMPILE_CACHE: _cache, ...inherited } = process.env;
  const env = { ...inherited, PATH: `${options.nodeDir ?? dirname(process.execPath)}:${process.env.PATH ?? ''}`, XDG_CACHE_HOME: join(base, 'xdg'), NO_COLOR: '1', ...options.env };
  return execa(options.command ?? launcher, args, { cwd: options.cwd ?? base, env, extendEnv: false, reject: false });
}
const caches = () => (existsSync(join(base, 'xdg', 'pgbak', 'node-compile-cache')) ? readdirSync(join(base, 'xdg', 'pgbak', 'node-compile-cache')) : []);
const fromSnapshot = /^cli\.cjs-[0-9a-f]{8}-v[\d.]+-snapshot[0-9a-f]{8}-\w+-[0-9a-f]{8}-none\.v8$/;
const withoutSnapshot = /^cli\.cjs-[0-9a-f]{8}-v[\d.]+-\w+-[0-9a-f]{8}-none\.v8$/;

describe('the startup snapshot', () => {
  it('is built by npm run build, named after the size and time of the Node that built it', () => {
    const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> });
    expect(scripts.scripts.build).toContain('node scripts/build-snapshot.js');
    expect(scripts.bin.pgbak).toBe('bin/pgbak');
    const node = statSync(process.execPath);
    expect(readdirSync(join(repoRoot, 'dist', 'snapshot'))).toContain(`node-${node.size}-${Math.floor(node.mtimeMs / 1000)}.v1.blob`);
  });

  it("is rebuilt for this Node only: another Node's blob stays, a blob of an earlier format goes", async () => {
    const folder = join(repoRoot, 'dist', 'snapshot');
    const otherNode = join(folder, 'node-1-2.v1.blob');
    const earlierFormat = join(folder, 'node-1-2.v0.blob');
    writeFileSync(otherNode, 'not a blob');
    writeFileSync(earlierFormat, 'not a blob');
    try {
      await execa(process.execPath, [join(repoRoot, 'scripts', 'build-snapshot.js')], { cwd: repoRoot });
      expect(existsSync(otherNode)).toBe(true);
      expect(existsSync(earlierFormat)).toBe(false);
    } finally {
      rmSync(otherNode, { force: true });
      rmSync(earlierFormat, { force: true });
    }
  }, 60_000);

  it('is what bin/pgbak starts Node from, and the next start uses the code cache that start wrote', async () => {
    const first = await launch(['--version']);
    expect([first.exitCode, first.stdout, first.stderr]).toEqual([0, version, '']);
    expect(caches()).toEqual([expect.stringMatching(fromSnapshot)]);
    const written = statSync(join(base, 'xdg', 'pgbak', 'node-compile-cache', caches()[0]!)).mtimeMs;
    const second = await launch(['--version']);
    expect([second.exitCode, second.stdout]).toEqual([0, version]);
    // Not rewritten: the cache written by a start from the blob was accepted by the next one.
    expect(statSync(join(base, 'xdg', 'pgbak', 'node-compile-cache', caches()[0]!)).mtimeMs).toBe(written);
  });

  it('leaves the working folder and the environment to each run (nothing of a run is in the blob)', async () => {
    // User profiles come from ./profiles: two folders, two answers, as `node bin/pgbak.js` gives them.
    const one = join(base, 'one');
    mkdirSync(join(one, 'profiles'), { recursive: true });
    writeFileSync(join(one, 'profiles', 'mine.yaml'), 'description: mine\n');
    const two = join(base, 'two');
    mkdirSync(two);
    const inOne = await launch(['profiles'], { cwd: one });
    const inTwo = await launch(['profiles'], { cwd: two });
    const plain = await launch([pgbakBin, 'profiles'], { command: process.execPath, cwd: one });
    expect(inOne.exitCode).toBe(0);
    expect(inOne.stdout).toContain('mine');
    expect(inTwo.stdout).not.toContain('mine');
    expect(inOne.stdout).toBe(plain.stdout);
    const fromEnv = await launch(['profiles'], { cwd: two, env: { PGBAK_PROFILES_DIR: join(one, 'profiles') } });
    expect(fromEnv.stdout).toContain('mine');
    expect(caches()).toContainEqual(expect.stringMatching(/-snapshot[0-9a-f]{8}-\w+-[0-9a-f]{8}-profiles\.v8$/));
  });

  it('loads what a run requires lazily (S3 storage) when it started from the blob', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' };
    const result = await launch(['list', 's3://nobucket/x/'], { env });
    expect(result.stderr).toContain('cannot list s3://nobucket/x/');
    expect(result.exitCode).toBe(1);
    expect(caches().sort()).toEqual([expect.stringMatching(/^cli\.cjs-.*-snapshot[0-9a-f]{8}-/), expect.stringMatching(/^s3\.cjs-.*-snapshot[0-9a-f]{8}-/)]);
  });

  it('is never used for another Node binary (one replaced in place: another size or time), which starts without it', async () => {
    const nodeDir = join(base, 'node-bin');
    mkdirSync(nodeDir);
    copyFileSync(process.execPath, join(nodeDir, 'node'));
    utimesSync(join(nodeDir, 'node'), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
    const result = await launch(['--version'], { nodeDir });
    expect([result.exitCode, result.stdout, result.stderr]).toEqual([0, version, '']);
    expect(caches()).toEqual([expect.stringMatching(withoutSnapshot)]);
  }, 30_000);

  it('is not used with NODE_OPTIONS (V8 flags in it make Node refuse the blob) or PGBAK_NO_SNAPSHOT', async () => {
    for (const env of [{ NODE_OPTIONS: '--max-old-space-size=300' }, { PGBAK_NO_SNAPSHOT: '1' }] as Record<string, string>[]) {
      const result = await launch(['--version'], { env });
      expect([env, result.exitCode, result.stdout, result.stderr]).toEqual([env, 0, version, '']);
    }
    expect(caches()).toEqual([expect.stringMatching(withoutSnapshot)]);
  });

  it('is not needed: an install without one (moved, or built with PGBAK_NO_SNAPSHOT) starts as before, through a symlink too', async () => {
    // An install of its own: bin/ copied, dist/ without snapshot/, the rest linked.
    const install = join(base, 'install');
    mkdirSync(join(install, 'bin'), { recursive: true });
    mkdirSync(join(install, 'dist'));
    for (const name of ['pgbak', 'pgbak.js', 'package.json']) copyFileSync(join(repoRoot, 'bin', name), join(install, 'bin', name));
    for (const name of readdirSync(join(repoRoot, 'dist')).filter((name) => name !== 'snapshot')) symlinkSync(join(repoRoot, 'dist', name), join(install, 'dist', name));
    for (const name of ['package.json', 'profiles', 'node_modules']) symlinkSync(join(repoRoot, name), join(install, name));
    symlinkSync(join(install, 'bin', 'pgbak'), join(base, 'pgbak'));
    const result = await launch(['--version'], { command: join(base, 'pgbak') });
    expect([result.exitCode, result.stdout, result.stderr]).toEqual([0, version, '']);
    expect(caches()).toEqual([expect.stringMatching(withoutSnapshot)]);
    // The same install with the blob: found from the launcher's own folder, through the symlink.
    mkdirSync(join(install, 'dist', 'snapshot'));
    for (const name of readdirSync(join(repoRoot, 'dist', 'snapshot'))) symlinkSync(join(repoRoot, 'dist', 'snapshot', name), join(install, 'dist', 'snapshot', name));
    const again = await launch(['--version'], { command: join(base, 'pgbak') });
    expect([again.exitCode, again.stdout]).toEqual([0, version]);
    expect(caches()).toContainEqual(expect.stringMatching(fromSnapshot));
  });
});
