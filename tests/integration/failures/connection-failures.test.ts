// A run that cannot reach or log in to the server, or cannot write its output,
// ends with a short error, the right exit code and nothing that looks like a backup.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, type TestDatabase } from '../../support/db.js';
import { closedPort, errorReport, expectNoBackup, listTree, readRunLogs, tempDirs } from './helpers.js';

const cluster = getCluster(15);
const dirs = tempDirs();
const databases: TestDatabase[] = [];

async function freshDatabase(prefix: string): Promise<TestDatabase> {
  const database = await createTestDatabase(cluster, prefix);
  databases.push(database);
  return database;
}

afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
  await dirs.removeAll();
});

describe('pgbak run when the connection or the output folder fails', () => {
  it('exits 2 with AUTH_FAILED on a wrong password and never shows the password', async () => {
    const database = await freshDatabase('auth');
    const out = await dirs.make();
    const wrong = `Wr0ng-Pw-${Date.now().toString(36)}-zz`;
    const env = { ...pgEnv(cluster, database.name), PGPASSWORD: wrong };

    const result = await runCli(['run', 'schema-only', '--output-dir', out], { env, cwd: out });

    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(/password authentication failed for user "[^"]+" on 127\.0\.0\.1:\d+|password authentication failed/);
    expect(report.message).toContain(`${cluster.host}:${cluster.port}`);
    expect(report.hint).toMatch(/PGPASSWORD/);
    expect(result.stdout).toBe('');
    for (const text of [result.stdout, result.stderr, ...(await readRunLogs(out)).map((log) => log.text)]) {
      expect(text).not.toContain(wrong);
    }
    await expectNoBackup(out);
  });

  it('prints AUTH_FAILED as JSON on stdout with --json and --debug, still without the password', async () => {
    const database = await freshDatabase('auth_json');
    const out = await dirs.make();
    const wrong = `Wr0ng-Js0n-${Date.now().toString(36)}-zz`;
    const env = { ...pgEnv(cluster, database.name), PGPASSWORD: wrong };

    const result = await runCli(['run', 'schema-only', '--output-dir', out, '--json', '--debug'], { env, cwd: out });

    expect(result.exitCode).toBe(2);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ ok: false, exitCode: 2, error: { code: 'AUTH_FAILED' } });
    expect((json.error as { message: string }).message).toMatch(/password authentication failed/);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).not.toContain(wrong);
    expect(result.stderr).not.toContain(wrong);
    await expectNoBackup(out);
  });

  it('keeps a wrong password given in DATABASE_URL out of every message', async () => {
    const database = await freshDatabase('auth_url');
    const out = await dirs.make();
    const wrong = `Wr0ng-Url-${Date.now().toString(36)}-zz`;
    const url = `postgresql://${encodeURIComponent(cluster.user)}:${wrong}@${cluster.host}:${cluster.port}/${database.name}`;

    const result = await runCli(['run', 'schema-only', '--output-dir', out, '--debug'], { env: { DATABASE_URL: url }, cwd: out });

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/password authentication failed/);
    expect(result.stdout + result.stderr).not.toContain(wrong);
    await expectNoBackup(out);
  });

  it('exits 1 with "cannot connect" when nothing listens on the port', async () => {
    const out = await dirs.make();
    const port = await closedPort();
    const env = { ...pgEnv(cluster, 'postgres'), PGHOST: '127.0.0.1', PGPORT: String(port) };

    const result = await runCli(['run', 'schema-only', '--output-dir', out], { env, cwd: out });

    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toBe(`cannot connect to 127.0.0.1:${port}: connection refused`);
    expect(report.hint).toMatch(/host and port/);
    await expectNoBackup(out);
  });

  it('exits 2 when the database does not exist', async () => {
    const out = await dirs.make();
    const env = pgEnv(cluster, 'postgres');

    const result = await runCli(['run', 'schema-only', '--database', 'nope', '--output-dir', out], { env, cwd: out });

    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(/database "nope" does not exist/);
    expect(report.hint).toMatch(/--database/);
    await expectNoBackup(out);
  });

  it('exits 1 when the output folder cannot be created (a parent is a regular file)', async () => {
    const database = await freshDatabase('outdir');
    const tmp = await dirs.make();
    await writeFile(path.join(tmp, 'file'), 'not a folder\n');
    const out = path.join(tmp, 'file', 'sub');

    const result = await runCli(['run', 'schema-only', '--output-dir', out], { env: pgEnv(cluster, database.name), cwd: tmp });

    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toContain(`cannot write to ${out}`);
    expect(report.message).toMatch(/not a directory/);
    expect(report.hint).toBeDefined();
    expect(await listTree(tmp)).toEqual(['file']);
  });
});
