// pg_dump failing, dying or being interrupted: the run ends with a short error, the
// right exit code, its children gone, and nothing that looks like a backup.
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { pgbakBin, runCli, startCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, type TestDatabase } from '../../support/db.js';
import {
  errorReport,
  expectNoBackup,
  fakePgBin,
  killQuietly,
  listTree,
  processExists,
  readRunLogs,
  tempDirs,
  waitForPid,
} from './helpers.js';

const cluster = getCluster(15);
const dirs = tempDirs();
const databases: TestDatabase[] = [];
const strayPids: number[] = [];

async function freshDatabase(prefix: string): Promise<TestDatabase> {
  const database = await createTestDatabase(cluster, prefix);
  databases.push(database);
  return database;
}

/** PG* for the database, plus the fake pg_dump in the given mode. */
function fakeEnv(database: TestDatabase, mode: 'exit1' | 'hang' | 'die' | 'ok', pidFile?: string): Record<string, string> {
  return {
    ...pgEnv(cluster, database.name),
    PGBAK_PG_BIN: fakePgBin,
    FAKE_PG_DUMP_MODE: mode,
    ...(pidFile ? { FAKE_PG_DUMP_PIDFILE: pidFile } : {}),
  };
}

afterAll(async () => {
  strayPids.forEach((pid) => killQuietly(pid));
  await Promise.all(databases.map((database) => database.drop()));
  await dirs.removeAll();
});

describe('pgbak run when pg_dump fails', () => {
  it('exits 1 naming the exit code and the tool\'s error line when pg_dump exits 1, and the log says why', async () => {
    const database = await freshDatabase('exit1');
    const out = await dirs.make();

    const result = await runCli(['run', 'schema-only', '--output-dir', out], { env: fakeEnv(database, 'exit1'), cwd: out });

    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toContain('pg_dump exited with code 1');
    expect(report.message).toContain('pg_dump: error: something failed');
    expect(report.hint).toBeDefined();
    await expectNoBackup(out);
    const logs = await readRunLogs(out);
    expect(logs).toHaveLength(1);
    const messages = logs[0]?.records.map((record) => String(record.message)) ?? [];
    expect(messages.some((m) => m.includes('pg_dump exited with code 1'))).toBe(true);
    expect(messages.some((m) => m.includes('pg_dump: error: something failed'))).toBe(true);
    expect(messages.some((m) => /run failed, no backup was written/.test(m))).toBe(true);
  });

  it('prints { ok: false, exitCode, error: { code, message } } on stdout with --json', async () => {
    const database = await freshDatabase('exit1_json');
    const out = await dirs.make();

    const result = await runCli(['run', 'schema-only', '--output-dir', out, '--json'], { env: fakeEnv(database, 'exit1'), cwd: out });

    expect(result.exitCode).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0] as string) as { ok: boolean; exitCode: number; error: { code: string; message: string } };
    expect(json).toMatchObject({ ok: false, exitCode: 1, error: { code: 'STEP_FAILED' } });
    expect(json.error.message).toContain('pg_dump exited with code 1');
    errorReport(result.stderr);
    await expectNoBackup(out);
  });

  it('exits 1 with "killed by SIGKILL" when pg_dump dies mid-stream', async () => {
    const database = await freshDatabase('die');
    const out = await dirs.make();

    const result = await runCli(['run', 'schema-only', '--output-dir', out], { env: fakeEnv(database, 'die'), cwd: out });

    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toContain('pg_dump was killed by SIGKILL');
    await expectNoBackup(out);
    const [log] = await readRunLogs(out);
    expect(log?.text).toContain('killed by SIGKILL');
    expect(log?.text).toContain('no backup was written');
  });
});

describe('pgbak run when it is interrupted', () => {
  it.each([
    ['SIGINT', 130, 'plain'],
    ['SIGTERM', 143, 'plain'],
    ['SIGTERM', 143, 'directory'],
  ] as const)('stops pg_dump, removes the partial zip and exits %s -> %i (%s format)', async (signal, code, format) => {
    const database = await freshDatabase(`sig_${signal}`);
    const out = await dirs.make();
    const pidFile = path.join(await dirs.make('pgbak-pid-'), 'pg_dump.pid');

    const run = startCli(['run', 'schema-only', '--output-dir', out, '--format', format], { env: fakeEnv(database, 'hang', pidFile), cwd: out, timeout: 30_000 });
    const childPid = await waitForPid(pidFile);
    strayPids.push(childPid);
    // The partial zip exists while the dump streams (plain) / the temp dir while it runs (directory).
    const during = await listTree(out);
    expect(during.some((name) => (format === 'plain' ? /\.zip\.partial$/ : /^\.pgbak-tmp-/).test(name))).toBe(true);
    run.kill(signal);
    const result = await run;

    expect(result.exitCode).toBe(code);
    expect(processExists(childPid)).toBe(false);
    expect(() => process.kill(childPid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    const report = errorReport(String(result.stderr));
    expect(report.message).toMatch(/interrupted/);
    await expectNoBackup(out);
    const [log] = await readRunLogs(out);
    expect(log?.text).toMatch(/interrupted/);
  });
  it('exits 130 and leaves nothing when Ctrl-C reaches the whole process group (pgbak and pg_dump)', async () => {
    const database = await freshDatabase('sig_group');
    const out = await dirs.make();
    const pidFile = path.join(await dirs.make('pgbak-pid-'), 'pg_dump.pid');
    // detached: pgbak leads its own process group, as in a terminal's foreground job.
    const run = execa(process.execPath, [pgbakBin, 'run', 'schema-only', '--output-dir', out], {
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...fakeEnv(database, 'hang', pidFile) },
      extendEnv: false,
      cwd: out,
      detached: true,
      reject: false,
      stdin: 'ignore',
      timeout: 30_000,
    });
    const childPid = await waitForPid(pidFile);
    strayPids.push(childPid);
    process.kill(-(run.pid as number), 'SIGINT');
    const result = await run;

    expect(result.exitCode).toBe(130);
    expect(processExists(childPid)).toBe(false);
    errorReport(String(result.stderr));
    await expectNoBackup(out);
  });
});

describe('pgbak run and the per-profile lock', () => {
  it('refuses a second run of the same profile in the same folder while the first holds the lock', async () => {
    const database = await freshDatabase('lock');
    const out = await dirs.make();
    const pidFile = path.join(await dirs.make('pgbak-pid-'), 'pg_dump.pid');
    const first = startCli(['run', 'schema-only', '--output-dir', out], { env: fakeEnv(database, 'hang', pidFile), cwd: out, timeout: 30_000 });
    try {
      const childPid = await waitForPid(pidFile);
      strayPids.push(childPid);

      const secondPidFile = path.join(path.dirname(pidFile), 'second.pid');
      const second = await runCli(['run', 'schema-only', '--output-dir', out], { env: fakeEnv(database, 'hang', secondPidFile), cwd: out, timeout: 30_000 });

      expect(second.exitCode).toBe(1);
      const report = errorReport(second.stderr);
      expect(report.message).toMatch(/^another run of profile "schema-only" for database "\S+" is in progress \(pid \d+ on .+, since .+\)$/);
      expect(report.message).toContain(`pid ${first.pid}`);
      expect(processExists(childPid)).toBe(true);
      // The first run's partial zip is untouched by the refused second run.
      expect((await listTree(out)).filter((name) => name.endsWith('.zip.partial'))).toHaveLength(1);
    } finally {
      first.kill('SIGTERM');
    }
    const result = await first;
    expect(result.exitCode).toBe(143);
    await expectNoBackup(out);
  });

  it('takes over a lock file left by a process that no longer exists', async () => {
    const database = await freshDatabase('stale_lock');
    const out = await dirs.make();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    expect(processExists(deadPid)).toBe(false);
    const lockFile = path.join(out, `.pgbak-schema-only@${database.name}.lock`);
    await writeFile(lockFile, `${JSON.stringify({ pid: deadPid, host: hostname(), startedAt: '2020-01-01T00:00:00.000Z' })}\n`);

    const result = await runCli(['run', 'schema-only', '--output-dir', out], { env: pgEnv(cluster, database.name), cwd: out });

    expect(result.exitCode).toBe(0);
    const tree = await listTree(out);
    expect(tree.filter((name) => /\.zip$/.test(name))).toHaveLength(1);
    expect(tree.filter((name) => name.endsWith('.lock'))).toEqual([]);
  });

  it('takes over a lock whose pid now belongs to another process (pid reused)', async () => {
    const database = await freshDatabase('reused_lock');
    const out = await dirs.make();
    // This test process is alive, but started at another moment than the lock says.
    const lockFile = path.join(out, `.pgbak-schema-only@${database.name}.lock`);
    await writeFile(lockFile, `${JSON.stringify({ pid: process.pid, host: hostname(), bootId: null, startTicks: '1', startedAt: '2020-01-01T00:00:00.000Z' })}\n`);

    const result = await runCli(['run', 'schema-only', '--output-dir', out], { env: pgEnv(cluster, database.name), cwd: out });

    expect(result.exitCode).toBe(0);
    expect((await listTree(out)).filter((name) => name.endsWith('.lock'))).toEqual([]);
  });

  it('runs two databases of one profile side by side in one folder: the lock is per profile and database', async () => {
    const busy = await freshDatabase('lock_db_a');
    const other = await freshDatabase('lock_db_b');
    const out = await dirs.make();
    const pidFile = path.join(await dirs.make('pgbak-pid-'), 'pg_dump.pid');
    const first = startCli(['run', 'schema-only', '--output-dir', out], { env: fakeEnv(busy, 'hang', pidFile), cwd: out, timeout: 30_000 });
    try {
      strayPids.push(await waitForPid(pidFile));
      const second = await runCli(['run', 'schema-only', '--output-dir', out], { env: fakeEnv(other, 'ok'), cwd: out, timeout: 30_000 });

      expect(second.exitCode).toBe(0);
      const tree = await listTree(out);
      expect(tree).toContain(`.pgbak-schema-only@${busy.name}.lock`);
      expect(tree.filter((name) => name.endsWith('.zip'))).toEqual([expect.stringMatching(new RegExp(`^schema-only-${other.name}-\\d{8}T\\d{6}Z\\.zip$`))]);
      // The first run's .partial is untouched: it is alive.
      expect(tree.filter((name) => name.endsWith('.zip.partial'))).toEqual([expect.stringMatching(new RegExp(`^schema-only-${busy.name}-`))]);
    } finally {
      first.kill('SIGTERM');
    }
    expect((await first).exitCode).toBe(143);
  });
});
