// The run lock in a folder others can write to: a link at the lock's name, dangling or
// not, is neither read through nor removed nor taken over; the run refuses clearly.
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acquireRunLock } from '../../../lib/run/lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pgbak-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Where the lock of profile `nightly` goes (whatever the naming): take it once and let go. */
async function lockPath(): Promise<string> {
  const lock = await acquireRunLock(dir, 'nightly', ['app']);
  await lock.release();
  return lock.paths[0]!;
}

describe('acquireRunLock', () => {
  it('creates the lock 0600 with its owner, even with umask 000, and removes it on release', async () => {
    const old = process.umask(0o000);
    try {
      const lock = await acquireRunLock(dir, 'nightly', ['app']);
      expect((await stat(lock.paths[0]!)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(lock.paths[0]!, 'utf8'))).toMatchObject({ pid: process.pid });
      await lock.release();
      expect(existsSync(lock.paths[0]!)).toBe(false);
    } finally {
      process.umask(old);
    }
  });

  it.each([
    { what: 'a symlink to a file', target: 'victim' },
    { what: 'a dangling symlink', target: 'nowhere' },
  ])('refuses, naming the link, when $what sits at the lock\'s name, and leaves it alone', async ({ target }) => {
    const at = await lockPath();
    const victim = path.join(dir, 'victim');
    await writeFile(victim, '{"pid":1,"host":"elsewhere","startedAt":"x"}\n');
    await symlink(path.join(dir, target), at);

    await expect(acquireRunLock(dir, 'nightly', ['app'])).rejects.toMatchObject({ code: 'LOCKED', message: expect.stringContaining(`${at} is a symbolic link`) });

    expect((await lstat(at)).isSymbolicLink()).toBe(true);
    expect(await readFile(victim, 'utf8')).toContain('elsewhere');
    expect(existsSync(path.join(dir, 'nowhere'))).toBe(false);
  });

  it('takes over a stale lock whose owner is gone', async () => {
    const at = await lockPath();
    await writeFile(at, `${JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), startedAt: 'then' })}\n`);
    const lock = await acquireRunLock(dir, 'nightly', ['app']);
    expect(JSON.parse(await readFile(lock.paths[0]!, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });
});
