import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { compileCacheDir, enableCompileCache } from '../../../lib/cli/compile-cache.js';
import { pgbakBin, repoRoot } from '../../support/cli.js';

describe("the CLI's compile cache (Node's enableCompileCache, 22.8+)", () => {
  const uid = process.getuid?.() ?? 0;
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'pgbak-compile-cache-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('keeps the cache in a private folder under XDG_CACHE_HOME, made 0700', () => {
    const dir = compileCacheDir({ env: { XDG_CACHE_HOME: join(base, 'xdg') }, uid, home: join(base, 'home') });
    expect(dir).toBe(join(base, 'xdg', 'pgbak', 'node-compile-cache'));
    expect(statSync(dir as string).mode & 0o777).toBe(0o700);
    expect(statSync(join(base, 'xdg', 'pgbak')).mode & 0o777).toBe(0o700);
  });

  it('uses ~/.cache when XDG_CACHE_HOME is unset or not an absolute path', () => {
    const home = join(base, 'home');
    mkdirSync(home, { mode: 0o700 });
    expect(compileCacheDir({ env: {}, uid, home })).toBe(join(home, '.cache', 'pgbak', 'node-compile-cache'));
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: 'relative/cache' }, uid, home })).toBe(join(home, '.cache', 'pgbak', 'node-compile-cache'));
  });

  it('uses no cache without a home folder to put it in', () => {
    expect(compileCacheDir({ env: {}, uid, home: '' })).toBeUndefined();
  });

  it('refuses a cache folder that other users may write', () => {
    mkdirSync(join(base, 'pgbak', 'node-compile-cache'), { recursive: true, mode: 0o700 });
    chmodSync(join(base, 'pgbak', 'node-compile-cache'), 0o777);
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: base }, uid })).toBeUndefined();
    chmodSync(join(base, 'pgbak', 'node-compile-cache'), 0o700);
    chmodSync(join(base, 'pgbak'), 0o775);
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: base }, uid })).toBeUndefined();
  });

  it('refuses a cache root that other users may write (a shared temp folder)', () => {
    chmodSync(base, 0o1777);
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: base }, uid })).toBeUndefined();
  });

  it('refuses a symlink in place of its folder', () => {
    mkdirSync(join(base, 'elsewhere'), { mode: 0o700 });
    mkdirSync(join(base, 'root', 'pgbak'), { recursive: true, mode: 0o700 });
    symlinkSync(join(base, 'elsewhere'), join(base, 'root', 'pgbak', 'node-compile-cache'));
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: join(base, 'root') }, uid })).toBeUndefined();
  });

  it("refuses folders owned by another user (someone else's cache could run code as this one)", () => {
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: base }, uid: uid + 1 })).toBeUndefined();
  });

  it('uses no cache where there is no user id to check ownership against (Windows)', () => {
    expect(compileCacheDir({ env: { XDG_CACHE_HOME: base }, uid: undefined })).toBeUndefined();
  });

  it("hands the folder to Node's enableCompileCache", () => {
    const enabled: string[] = [];
    const dir = enableCompileCache({ env: { XDG_CACHE_HOME: base }, uid, enable: (d) => enabled.push(d) });
    expect(enabled).toEqual([join(base, 'pgbak', 'node-compile-cache')]);
    expect(dir).toBe(enabled[0]);
  });

  it('does nothing on a Node without enableCompileCache (Node 20)', () => {
    expect(enableCompileCache({ env: { XDG_CACHE_HOME: base }, uid, enable: undefined })).toBeUndefined();
    expect(() => statSync(join(base, 'pgbak'))).toThrow();
  });

  it('stays off with NODE_DISABLE_COMPILE_CACHE, and never fails a start', () => {
    const calls: string[] = [];
    expect(enableCompileCache({ env: { XDG_CACHE_HOME: base, NODE_DISABLE_COMPILE_CACHE: '' }, uid, enable: (d) => calls.push(d) })).toBeUndefined();
    expect(calls).toEqual([]);
    const failing = () => {
      throw new Error('EACCES');
    };
    expect(enableCompileCache({ env: { XDG_CACHE_HOME: base }, uid, enable: failing })).toBeUndefined();
  });

  it('starts the CLI with the cache in the private folder (filled on a Node that has it)', async () => {
    const xdg = join(base, 'xdg');
    const { NODE_DISABLE_COMPILE_CACHE: _off, ...env } = process.env;
    const result = await execa(process.execPath, [pgbakBin, '--version'], { cwd: repoRoot, env: { ...env, XDG_CACHE_HOME: xdg }, extendEnv: false, reject: false });
    expect(result.exitCode).toBe(0);
    const hasCache = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';
    const dir = join(xdg, 'pgbak', 'node-compile-cache');
    if (hasCache) {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(readdirSync(dir, { recursive: true }).length).toBeGreaterThan(0);
    }
    else expect(() => statSync(dir)).toThrow();
  });
});
