// What a `pgbak run` killed with SIGKILL leaves (its .partial, its private temp
// folder, its run locks) is found once its process is gone: `prune --dry-run`
// reports it, `prune`, `status` and the next run remove it. The run log stays as the
// record of the failed run, and status shows it. A live run's files are never touched.
import { jest } from '@jest/globals';
import path from 'node:path';
import { runCli, startCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, type TestDatabase } from '../../support/db.js';
import { fakePgBin, killQuietly, listTree, processExists, tempDirs, waitForPid } from './helpers.js';

jest.setTimeout(120_000);

const cluster = getCluster(15);
const dirs = tempDirs();
const databases: TestDatabase[] = [];
const strayPids: number[] = [];

afterAll(async () => {
  strayPids.forEach((pid) => killQuietly(pid));
  await Promise.all(databases.map((database) => database.drop()));
  await dirs.removeAll();
});

async function freshDatabase(prefix: string): Promise<TestDatabase> {
  const database = await createTestDatabase(cluster, prefix);
  databases.push(database);
  return database;
}

function hangingEnv(database: TestDatabase, pidFile: string): Record<string, string> {
  return { ...pgEnv(cluster, database.name), PGBAK_PG_BIN: fakePgBin, FAKE_PG_DUMP_MODE: 'hang', FAKE_PG_DUMP_PIDFILE: pidFile };
}

/** Starts a directory-format run whose pg_dump hangs; resolves once its temp folder is there. */
async function startHangingRun(database: TestDatabase, out: string) {
  const pidFile = path.join(await dirs.make('pgbak-pid-'), 'pg_dump.pid');
  const run = startCli(['run', 'schema-only', '--output-dir', out, '--format', 'directory'], { env: hangingEnv(database, pidFile), cwd: out, timeout: 60_000 });
  const childPid = await waitForPid(pidFile);
  strayPids.push(childPid);
  return { run, childPid };
}

/** A run killed with SIGKILL mid-dump (its pg_dump with it, as when the whole group is killed). */
async function killedRun(database: TestDatabase, out: string): Promise<string[]> {
  const { run, childPid } = await startHangingRun(database, out);
  run.kill('SIGKILL');
  await run;
  killQuietly(childPid);
  expect(processExists(run.pid!)).toBe(false);
  const tree = await listTree(out);
  expect(tree).toEqual(
    expect.arrayContaining([
      `.pgbak-schema-only@${database.name}.lock`,
      expect.stringMatching(/^schema-only-.+\.zip\.partial$/),
      expect.stringMatching(/^schema-only-.+\.log$/),
      expect.stringMatching(/^\.pgbak-tmp-[^/]+\/owner\.json$/),
    ]),
  );
  return tree;
}

const onlyLog = (tree: string[]) => expect(tree).toEqual([expect.stringMatching(/^schema-only-.+\.log$/)]);

describe('leftovers of a run killed with SIGKILL', () => {
  it('prune --dry-run reports them, prune removes them and keeps the log, status shows the killed run as the last failure', async () => {
    const database = await freshDatabase('killed_prune');
    const out = await dirs.make();
    const before = await killedRun(database, out);

    const dry = await runCli(['prune', '--output-dir', out, '--dry-run'], { cwd: out });
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toMatch(/^would remove \.pgbak-tmp-\S+: temp folder of a run that is gone \(pid \d+ on .+\)$/m);
    expect(dry.stdout).toMatch(/^would remove schema-only-\S+\.zip\.partial: unfinished backup of a run that is gone/m);
    expect(dry.stdout).toMatch(new RegExp(`^would remove \\.pgbak-schema-only@${database.name}\\.lock: run lock of a run that is gone`, 'm'));
    expect(await listTree(out)).toEqual(before);

    const prune = await runCli(['prune', '--output-dir', out], { cwd: out });
    expect(prune.exitCode).toBe(0);
    expect(prune.stdout).toMatch(/^removed schema-only-\S+\.zip\.partial: /m);
    onlyLog(await listTree(out));

    const status = await runCli(['status', '--output-dir', out, '--max-age', '1h', '--json'], { cwd: out });
    expect(status.exitCode).toBe(3);
    const report = JSON.parse(status.stdout) as { details: { groups: Array<Record<string, unknown>> } };
    expect(report.details.groups).toEqual([
      expect.objectContaining({
        profile: 'schema-only',
        database: database.name,
        count: 0,
        lastSuccess: null,
        failing: true,
        stale: true,
        lastFailure: expect.objectContaining({ reason: expect.stringMatching(/^the run ended without finishing: process \d+ is gone \(killed\?\)/) }),
      }),
    ]);
  });

  it('status removes them and shows the failure', async () => {
    const database = await freshDatabase('killed_status');
    const out = await dirs.make();
    await killedRun(database, out);

    const status = await runCli(['status', '--output-dir', out], { cwd: out });
    expect(status.exitCode).toBe(0);
    expect(status.stderr).toMatch(/removed \.pgbak-tmp-\S+: temp folder of a run that is gone/);
    expect(status.stdout).toMatch(new RegExp(`^schema-only\\s+${database.name}\\s+0\\s+never\\s+-\\s+-\\s+never\\s+\\S+ \\S+Z \\(\\d+s\\)\\s+ok, last run FAILED$`, 'm'));
    expect(status.stdout).toMatch(new RegExp(`^schema-only/${database.name}: last run failed .*: the run ended without finishing: process \\d+ is gone`, 'm'));
    onlyLog(await listTree(out));
  });

  (hasClientTools() ? it : it.skip)('the next run removes them and succeeds', async () => {
    const database = await freshDatabase('killed_rerun');
    const out = await dirs.make();
    await killedRun(database, out);

    const rerun = await runCli(['run', 'schema-only', '--output-dir', out], { env: pgEnv(cluster, database.name), cwd: out });
    expect(rerun.exitCode).toBe(0);
    expect(rerun.stderr).toMatch(/removed schema-only-\S+\.zip\.partial: unfinished backup of a run that is gone/);
    const tree = await listTree(out);
    expect(tree.filter((name) => name.endsWith('.zip'))).toHaveLength(1);
    expect(tree.filter((name) => name.endsWith('.log'))).toHaveLength(2);
    expect(tree.filter((name) => /partial$|^\.pgbak-/.test(name))).toEqual([]);
  });

  it('never touches the files of a run that is still going', async () => {
    const database = await freshDatabase('live_run');
    const out = await dirs.make();
    const { run } = await startHangingRun(database, out);
    try {
      const during = await listTree(out);
      const prune = await runCli(['prune', '--output-dir', out], { cwd: out });
      const status = await runCli(['status', '--output-dir', out], { cwd: out });
      expect([prune.exitCode, status.exitCode]).toEqual([0, 0]);
      expect(prune.stdout).not.toMatch(/removed/);
      // A run in progress is no failure.
      expect(status.stdout).toBe(`no backups in ${out}`);
      expect(await listTree(out)).toEqual(during);
    } finally {
      run.kill('SIGTERM');
    }
    expect((await run).exitCode).toBe(143);
  });
});
