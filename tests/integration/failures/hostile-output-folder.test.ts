// An output folder others can write to: links planted at the names the next runs will
// use must never be written through (a root run wrote its log into any file that way),
// and folders pgbak creates are 0700 whatever the umask.
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { formatTimestamp } from '../../../lib/plan/names.js';
import { pgbakBin, repoRoot } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, type TestDatabase } from '../../support/db.js';
import { listTree, tempDirs } from './helpers.js';

const cluster = getCluster(15);
const dirs = tempDirs();
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(cluster, 'hostile_folder');
});

afterAll(async () => {
  await database?.drop();
  await dirs.removeAll();
});

function env(): Record<string, string> {
  return { ...process.env, ...pgEnv(cluster, database.name), NO_COLOR: '1' } as Record<string, string>;
}

describe('pgbak run in a folder others can write to', () => {
  it('never writes through a symlink planted at the next names, dangling or not, and takes the next free name', async () => {
    const root = await dirs.make();
    const out = path.join(root, 'shared');
    await mkdir(out);
    await chmod(out, 0o1777);
    const victim = path.join(root, 'victim');
    await writeFile(victim, 'precious\n');
    const dangling = path.join(root, 'created-through-a-link');
    // Links for every second of the next minute and a half, at the first and second names.
    const start = Date.now();
    for (let s = -2; s < 90; s++) {
      const base = `full-${database.name}-${formatTimestamp(new Date(start + s * 1000))}`;
      await symlink(victim, path.join(out, `${base}.log`));
      await symlink(dangling, path.join(out, `${base}.zip.partial`));
      await symlink(dangling, path.join(out, `${base}-2.log`));
      await symlink(victim, path.join(out, `${base}-2.zip.partial`));
    }

    const result = await execa(process.execPath, [pgbakBin, 'run', 'full', '--engine', 'native', '--output-dir', out, '--json'], {
      cwd: repoRoot, env: env(), reject: false, timeout: 60_000, killSignal: 'SIGKILL',
    });

    expect(result.stderr).not.toContain('pgbak: error');
    expect(result.exitCode).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(existsSync(dangling)).toBe(false);
    const summary = JSON.parse(String(result.stdout)) as { archive: string; log: string };
    expect(summary.archive).toMatch(/-3\.zip$/);
    for (const file of [summary.archive, summary.log]) {
      const info = await lstat(file);
      expect(info.isFile()).toBe(true);
      expect(info.mode & 0o777).toBe(0o600);
    }
    const planted = (await listTree(out)).filter((name) => !name.endsWith('-3.zip') && !name.endsWith('-3.log'));
    for (const name of planted) expect((await lstat(path.join(out, name))).isSymbolicLink()).toBe(true);
  });

  it('creates missing output folders 0700 and its files 0600 even with umask 000', async () => {
    const root = await dirs.make();
    const out = path.join(root, 'new', 'deeper');
    const result = await execa('bash', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, pgbakBin, 'run', 'full', '--output-dir', out, '--json'], {
      cwd: repoRoot, env: env(), reject: false, timeout: 60_000, killSignal: 'SIGKILL',
    });
    expect(result.exitCode).toBe(0);
    expect((await stat(path.join(root, 'new'))).mode & 0o777).toBe(0o700);
    expect((await stat(out)).mode & 0o777).toBe(0o700);
    const files = await listTree(out);
    expect(files).toHaveLength(2);
    for (const file of files) expect((await stat(path.join(out, file))).mode & 0o777).toBe(0o600);
  });
});
