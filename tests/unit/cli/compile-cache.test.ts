import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { cacheVariant, compileCacheDir, loadBundle } from '../../../lib/cli/compile-cache.js';
import { pgbakBin, repoRoot } from '../../support/cli.js';

const uid = process.getuid?.() ?? 0;
let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'pgbak-compile-cache-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe("the CLI's compile-cache folder", () => {
  it('is a private folder under XDG_CACHE_HOME, made 0700', () => {
    const dir = compileCacheDir({ env: { XDG_CACHE_HOME: join(base, 'xdg') }, uid, home: join(base, 'home') });
    expect(dir).toBe(join(base, 'xdg', 'pgbak', 'node-compile-cache'));
    expect(statSync(dir as string).mode & 0o777).toBe(0o700);
    expect(statSync(join(base, 'xdg', 'pgbak')).mode & 0o777).toBe(0o700);
  });

  it('is under ~/.cache when XDG_CACHE_HOME is unset or not an absolute path', () => {
    const home = join(base, 'home');
    mkdirSync(home, { mode: 0o700 });
    expect(compileCacheDir({ env: {}, uid, home })).toBe(join(home, '.cache', 'pgbak', 'node-compile-cache'));
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: 'relative/cache' }, uid, home })).toBe(join(home, '.cache', 'pgbak', 'node-compile-cache'));
  });

  it('is none without a home folder to put it in', () => {
    expect(compileCacheDir({ env: {}, uid, home: '' })).toBeUndefined();
  });

  it('is refused when other users may write it', () => {
    mkdirSync(join(base, 'pgbak', 'node-compile-cache'), { recursive: true, mode: 0o700 });
    chmodSync(join(base, 'pgbak', 'node-compile-cache'), 0o777);
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: base }, uid })).toBeUndefined();
    chmodSync(join(base, 'pgbak', 'node-compile-cache'), 0o700);
    chmodSync(join(base, 'pgbak'), 0o775);
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: base }, uid })).toBeUndefined();
  });

  it('is refused under a cache root that other users may write (a shared temp folder)', () => {
    chmodSync(base, 0o1777);
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: base }, uid })).toBeUndefined();
  });

  it('is refused when a symlink stands in its place', () => {
    mkdirSync(join(base, 'elsewhere'), { mode: 0o700 });
    mkdirSync(join(base, 'root', 'pgbak'), { recursive: true, mode: 0o700 });
    symlinkSync(join(base, 'elsewhere'), join(base, 'root', 'pgbak', 'node-compile-cache'));
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: join(base, 'root') }, uid })).toBeUndefined();
  });

  it("is refused when another user owns it (someone else's cache could run code as this one)", () => {
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: base }, uid: uid + 1 })).toBeUndefined();
  });

  it('is none where there is no user id to check ownership against (Windows)', () => {
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: base }, uid: undefined })).toBeUndefined();
  });
});

// Each load in a process of its own, as at every pgbak start: within one process V8 reuses
// what it compiled before and never looks at the cache.
const compileCacheModule = join(repoRoot, 'dist/cli/compile-cache.js');
async function loadInChild(file: string, env: Record<string, string>, persist = true, variant?: string): Promise<{ cache?: { file: string; used: boolean }; value: unknown }> {
  const script = [
    `import { loadBundle } from ${JSON.stringify(compileCacheModule)};`,
    `const bundle = loadBundle(${JSON.stringify(file)}, { env: process.env${variant === undefined ? '' : `, variant: ${JSON.stringify(variant)}`} });`,
    `if (${persist}) bundle.persist();`,
    'console.log(JSON.stringify({ cache: bundle.cache, value: bundle.exports.value() }));',
  ].join('\n');
  const { PATH = '' } = process.env;
  const result = await execa(process.execPath, ['--input-type=module', '-e', script], { env: { PATH, ...env }, extendEnv: false });
  return JSON.parse(result.stdout) as { cache?: { file: string; used: boolean }; value: unknown };
}

describe('loading a bundle with V8 code cache', () => {
  const writeBundle = (body: string) => {
    const file = join(base, 'cli.cjs');
    writeFileSync(file, `'use strict';\n${body}\n`);
    return file;
  };
  const cacheFolder = () => join(base, 'xdg', 'pgbak', 'node-compile-cache');
  const env = () => ({ XDG_CACHE_HOME: join(base, 'xdg') });

  it('runs the bundle as CommonJS and writes its compiled code, 0600, for the next start to use', async () => {
    const file = writeBundle("const path = require('node:path'); exports.value = () => path.basename(__filename);");
    const first = await loadInChild(file, env());
    expect(first.value).toBe('cli.cjs');
    expect(first.cache?.used).toBe(false);
    const written = readdirSync(cacheFolder());
    expect(written).toEqual([expect.stringMatching(new RegExp(`^cli\\.cjs-[0-9a-f]{8}-${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-f]{8}-none\\.v8$`))]);
    expect(statSync(first.cache?.file as string).mode & 0o777).toBe(0o600);
    const second = await loadInChild(file, env());
    expect(second).toEqual({ cache: { file: first.cache?.file, used: true }, value: 'cli.cjs' });
    expect(readdirSync(cacheFolder())).toEqual(written);
  });

  it('never runs the code cached for another bundle of the same length (V8 compares lengths only)', async () => {
    const file = writeBundle('exports.value = () => 41;');
    expect((await loadInChild(file, env())).value).toBe(41);
    writeBundle('exports.value = () => 42;');
    const rebuilt = await loadInChild(file, env());
    expect(rebuilt.cache?.used).toBe(false);
    expect(rebuilt.value).toBe(42);
    // The cache of the build that is gone goes with it.
    expect(readdirSync(cacheFolder())).toEqual([(rebuilt.cache?.file as string).split('/').pop()]);
  });

  it('keeps one cache per install: two installs of one user do not remove each other\'s', async () => {
    const one = writeBundle('exports.value = () => 1;');
    mkdirSync(join(base, 'other'));
    const other = join(base, 'other', 'cli.cjs');
    writeFileSync(other, "'use strict';\nexports.value = () => 2;\n");
    const first = await loadInChild(one, env());
    const second = await loadInChild(other, env());
    expect([first.value, second.value]).toEqual([1, 2]);
    expect(readdirSync(cacheFolder()).sort()).toEqual([first.cache?.file, second.cache?.file].map((file) => (file as string).split('/').pop()).sort());
    expect((await loadInChild(one, env())).cache?.used).toBe(true);
  });

  it("keeps one cache per command: a run never starts from the cache `pgbak --version` wrote", async () => {
    const file = writeBundle('exports.value = () => 7;');
    const version = await loadInChild(file, env(), true, 'none');
    const run = await loadInChild(file, env(), true, 'run');
    expect([version.cache?.used, run.cache?.used]).toEqual([false, false]);
    expect(run.cache?.file).not.toBe(version.cache?.file);
    expect(await loadInChild(file, env(), true, 'run')).toEqual({ cache: { file: run.cache?.file, used: true }, value: 7 });
    expect(readdirSync(cacheFolder()).sort()).toEqual([version.cache?.file, run.cache?.file].map((f) => (f as string).split('/').pop()).sort());
    // A new build replaces the caches of every command of the old one.
    writeBundle('exports.value = () => 8;');
    const rebuilt = await loadInChild(file, env(), true, 'run');
    expect(readdirSync(cacheFolder())).toEqual([(rebuilt.cache?.file as string).split('/').pop()]);
  });

  it('names the cache after the command only when it is a plain word', () => {
    expect(cacheVariant(['run', 'nightly'])).toBe('run');
    expect(cacheVariant(['--json', 'restore', 'x.zip'])).toBe('restore');
    expect(cacheVariant(['--version'])).toBe('none');
    expect(cacheVariant(['--env-file', '../x/.env', 'run'])).toBe('run');
    expect(cacheVariant([])).toBe('none');
  });

  it('compiles afresh over a damaged cache file, and replaces it', async () => {
    const file = writeBundle('exports.value = () => true;');
    const first = await loadInChild(file, env());
    writeFileSync(first.cache?.file as string, 'not V8 code cache');
    const second = await loadInChild(file, env());
    expect(second).toEqual({ cache: { file: first.cache?.file, used: false }, value: true });
    expect((await loadInChild(file, env())).cache?.used).toBe(true);
  });

  it('loads uncached with NODE_DISABLE_COMPILE_CACHE (set at all, as Node reads it) or without a private folder', async () => {
    const file = writeBundle('exports.value = () => true;');
    expect(await loadInChild(file, { ...env(), NODE_DISABLE_COMPILE_CACHE: '' })).toEqual({ value: true });
    expect(() => statSync(join(base, 'xdg'))).toThrow();
    chmodSync(base, 0o1777);
    expect(await loadInChild(file, { XDG_CACHE_HOME: base })).toEqual({ value: true });
  });

  it('never fails a start when the cache cannot be written', () => {
    const file = writeBundle('exports.value = () => true;');
    const loaded = loadBundle<{ value(): boolean }>(file, { env: env(), uid });
    rmSync(join(base, 'xdg'), { recursive: true });
    expect(() => loaded.persist()).not.toThrow();
    expect(loaded.exports.value()).toBe(true);
  });
});

describe('the pgbak command and its compile cache', () => {
  it('starts, writes the cache at exit, and starts again from it', async () => {
    const { NODE_DISABLE_COMPILE_CACHE: _off, ...inherited } = process.env;
    const env = { ...inherited, XDG_CACHE_HOME: join(base, 'xdg') };
    const run = () => execa(process.execPath, [pgbakBin, '--version'], { cwd: repoRoot, env, extendEnv: false, reject: false });
    const first = await run();
    expect(first.exitCode).toBe(0);
    const folder = join(base, 'xdg', 'pgbak', 'node-compile-cache');
    expect(readdirSync(folder)).toEqual([expect.stringMatching(/^cli\.cjs-[0-9a-f]{8}-v[\d.]+-\w+-[0-9a-f]{8}-none\.v8$/)]);
    const second = await run();
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });

  it('loads what it imports lazily (S3 storage) when it starts from the cache', async () => {
    // Code compiled from V8's cache cannot run an import() on Node 20 ("A dynamic import
    // callback was not specified"): the bundle must load its lazy parts without one.
    const { NODE_DISABLE_COMPILE_CACHE: _off, ...inherited } = process.env;
    const env = { ...inherited, XDG_CACHE_HOME: join(base, 'xdg-lazy'), AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' };
    const run = () => execa(process.execPath, [pgbakBin, 'list', 's3://nobucket/x/'], { cwd: repoRoot, env, extendEnv: false, reject: false });
    for (const start of ['uncached', 'cached']) {
      const result = await run();
      expect([start, result.stderr]).toEqual([start, expect.stringContaining('cannot list s3://nobucket/x/')]);
      expect(result.exitCode).toBe(1);
    }
    // The CLI's cache, and the S3 bundle's (dist/s3-load.cjs loads dist/s3.cjs through the cache too).
    expect(readdirSync(join(base, 'xdg-lazy', 'pgbak', 'node-compile-cache')).map((name) => name.split('-')[0]).sort()).toEqual(['cli.cjs', 's3.cjs']);
  });
});
