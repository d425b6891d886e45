// A run that fails while preparing (server down, wrong password, database missing)
// leaves its run log, ending with the failure record, so that `status` shows the
// last failure and why; a configuration pgbak cannot use leaves nothing.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, type TestDatabase } from '../../support/db.js';
import { closedPort, errorReport, expectNoBackup, readRunLogs, tempDirs } from './helpers.js';

const cluster = getCluster(15);
const dirs = tempDirs();
const databases: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
  await dirs.removeAll();
});

// The log's records: the run record first, the failure record last.
async function expectFailureLog(out: string, database: string, reason: RegExp) {
  const logs = await readRunLogs(out);
  expect(logs.map((log) => log.file)).toEqual([expect.stringMatching(new RegExp(`^schema-only-${database}-\\d{8}T\\d{6}Z\\.log$`))]);
  const records = logs[0]!.records;
  expect(records[0]).toMatchObject({ pgbakRun: { profile: 'schema-only', databases: [database], archive: logs[0]!.file.replace(/\.log$/, '.zip') } });
  expect(records[records.length - 1]).toMatchObject({ level: 'error', message: expect.stringMatching(/^run failed, no backup was written: /) });
  expect(records[records.length - 1]!.message).toMatch(reason);
  return logs[0]!;
}

async function expectStatusShowsFailure(out: string, database: string, reason: RegExp) {
  const status = await runCli(['status', '--output-dir', out, '--json'], { cwd: out });
  expect(status.exitCode).toBe(0);
  const report = JSON.parse(status.stdout) as { groups: Array<Record<string, unknown> & { lastFailure: { reason: string } | null }> };
  expect(report.groups).toEqual([expect.objectContaining({ profile: 'schema-only', database, lastSuccess: null, failing: true })]);
  expect(report.groups[0]!.lastFailure!.reason).toMatch(reason);

  const text = await runCli(['status', '--output-dir', out], { cwd: out });
  expect(text.exitCode).toBe(0);
  expect(text.stdout).toMatch(new RegExp(`schema-only/${database}: last run failed .*${reason.source}`));

  const stale = await runCli(['status', '--output-dir', out, '--max-age', '1d'], { cwd: out });
  expect(stale.exitCode).toBe(3);
  expect(stale.stdout + stale.stderr).toMatch(new RegExp(`STALE schema-only/${database}: no successful backup; the last run failed .*${reason.source}`));
}

describe('a run that fails before it writes anything leaves its log for status', () => {
  it('records a server that does not answer: exit 1 as before, a log with the failure, status shows it, --max-age exits 3', async () => {
    const out = await dirs.make();
    const port = await closedPort();
    const env = { ...pgEnv(cluster, 'postgres'), PGHOST: '127.0.0.1', PGPORT: String(port) };

    const result = await runCli(['run', 'schema-only', '--output-dir', out], { env, cwd: out });

    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toBe(`cannot connect to 127.0.0.1:${port}: connection refused`);
    await expectNoBackup(out);
    await expectFailureLog(out, 'postgres', /cannot connect to 127\.0\.0\.1:\d+: connection refused/);
    await expectStatusShowsFailure(out, 'postgres', /cannot connect to 127\.0\.0\.1:\d+: connection refused/);
  });

  it('records a wrong password: exit 2 as before, the password in no log, status shows why', async () => {
    const database = await createTestDatabase(cluster, 'fbl_auth');
    databases.push(database);
    const out = await dirs.make();
    const wrong = `Wr0ng-Fbl-${Date.now().toString(36)}-zz`;
    const env = { ...pgEnv(cluster, database.name), PGPASSWORD: wrong };

    const result = await runCli(['run', 'schema-only', '--output-dir', out], { env, cwd: out });

    expect(result.exitCode).toBe(2);
    expect(errorReport(result.stderr).message).toMatch(/password authentication failed/);
    await expectNoBackup(out);
    const log = await expectFailureLog(out, database.name, /password authentication failed/);
    expect(log.text).not.toContain(wrong);
    await expectStatusShowsFailure(out, database.name, /password authentication failed/);
  });

  it('records a database that does not exist under its name', async () => {
    const out = await dirs.make();

    const result = await runCli(['run', 'schema-only', '--database', 'nope_fbl', '--output-dir', out], { env: pgEnv(cluster, 'postgres'), cwd: out });

    expect(result.exitCode).toBe(2);
    await expectFailureLog(out, 'nope_fbl', /database "nope_fbl" does not exist/);
  });

  it('leaves nothing when the configuration is unusable (an unknown profile, a bad flag)', async () => {
    const out = path.join(await dirs.make(), 'backups');
    const unknown = await runCli(['run', 'no-such-profile', '--output-dir', out], { env: pgEnv(cluster, 'postgres'), cwd: path.dirname(out) });
    const badFlag = await runCli(['run', 'schema-only', '--jobs', '0', '--output-dir', out], { env: pgEnv(cluster, 'postgres'), cwd: path.dirname(out) });

    expect(unknown.exitCode).toBe(2);
    expect(badFlag.exitCode).toBe(2);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });
});
