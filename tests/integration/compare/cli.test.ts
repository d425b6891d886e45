// `pgbak compare` as a CI step runs it: the built CLI as a child process, exit
// codes, text and --json output, every way of naming a side, and the failures.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../../support/cli.js';
import { getCluster, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { makeTempDir, removeTempDirs, runBackup } from '../../support/restore-helpers.js';
import { compareDatabases } from './helpers.js';
import { baseStatements } from './seed.js';

const cluster = getCluster(15);
const dbs = compareDatabases(cluster);
let prod: TestDatabase;
let staging: TestDatabase;
let drifted: TestDatabase;

beforeAll(async () => {
  [prod, staging, drifted] = await Promise.all([
    dbs.create(baseStatements),
    dbs.create(baseStatements),
    dbs.create([...baseStatements, 'ALTER TABLE app.orders ADD COLUMN legacy text', 'DROP VIEW app.open_orders', 'CREATE TABLE "Billing Dept".extra (id int)']),
  ]);
});
afterAll(async () => {
  await dbs.dropAll();
  await removeTempDirs();
});

/** No PG* variables: every side is named by the flags under test. */
const noEnv = {};

describe('pgbak compare', () => {
  it('exits 0 and says so when the two databases match', async () => {
    const result = await runCli(['compare', '--source', prod.url, '--target', staging.url], { env: noEnv });
    expect(result.stderr).not.toMatch(/error/);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('No drift: the target has the shape of the source.');
    expect(result.stdout).not.toContain(cluster.password);
  });

  it('exits 3 with the differences grouped by what happened, the same text every run', async () => {
    const args = ['compare', '--source', prod.url, '--target', drifted.url];
    const first = await runCli(args, { env: noEnv });
    expect(first.exitCode).toBe(3);
    expect(first.stdout).toContain('Missing in target (1):\n  VIEW "app"."open_orders"');
    expect(first.stdout).toContain('Extra in target (1):\n  TABLE "Billing Dept"."extra"');
    expect(first.stdout).toContain('Different (1):\n  TABLE "app"."orders"\n    column "legacy": (absent) → text');
    expect(first.stdout).toContain('Drift: 1 missing in target, 1 extra in target, 1 different.');
    expect(first.stderr).toContain('pgbak: error: schema drift: 1 missing in target, 1 extra in target, 1 different');
    const second = await runCli(args, { env: noEnv });
    expect(second.stdout).toBe(first.stdout);
  });

  it('prints one JSON object with --json, matching or not', async () => {
    const same = await runCli(['compare', '--source', prod.url, '--target', staging.url, '--json'], { env: noEnv });
    expect(same.exitCode).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ identical: true, counts: { missing: 0, extra: 0, different: 0 } });
    const differ = await runCli(['compare', '--source', prod.url, '--target', drifted.url, '--json'], { env: noEnv });
    expect(differ.exitCode).toBe(3);
    const report = JSON.parse(differ.stdout);
    expect(report).toMatchObject({ ok: false, exitCode: 3, error: { code: 'SCHEMA_DRIFT' } });
    expect(report.details.counts).toEqual({ missing: 1, extra: 1, different: 1 });
    expect(report.details.drift.different[0].changes).toEqual([{ what: 'column "legacy"', source: null, target: 'text' }]);
    expect(differ.stdout).not.toContain(cluster.password);
  });

  it('prints only the DDL on stdout with --sql, destructive statements marked', async () => {
    const result = await runCli(['compare', '--source', prod.url, '--target', drifted.url, '--sql'], { env: noEnv });
    expect(result.exitCode).toBe(3);
    expect(result.stdout.startsWith('-- pgbak compare --sql')).toBe(true);
    expect(result.stdout).toContain('-- DESTRUCTIVE: drops column "legacy" of "app"."orders" and its data');
    expect(result.stdout).toContain('CREATE VIEW "app"."open_orders"');
    expect(result.stdout).not.toContain(cluster.password);
  });

  it('reads sides from env files and from --s-*/--t-* flags', async () => {
    const dir = await makeTempDir('pgbak-compare-');
    const envFile = (db: TestDatabase) => Object.entries(pgEnv(cluster, db.name)).map(([k, v]) => `${k}=${v}`).join('\n');
    await writeFile(join(dir, '.env.prod'), envFile(prod));
    await writeFile(join(dir, '.env.staging'), envFile(drifted));
    const byFiles = await runCli(['compare', '--source-env', '.env.prod', '--target-env', '.env.staging', '--schema', 'app'], { env: noEnv, cwd: dir });
    expect(byFiles.exitCode).toBe(3);
    // Limited to app: the extra table in "Billing Dept" is not reported.
    expect(byFiles.stdout).not.toContain('Billing Dept');
    expect(byFiles.stdout).toContain('Drift: 1 missing in target, 0 extra in target, 1 different.');
    const flags = (p: string, db: TestDatabase) => [`--${p}-host`, cluster.host, `--${p}-port`, String(cluster.port), `--${p}-user`, cluster.user, `--${p}-db`, db.name];
    const byFlags = await runCli(['compare', ...flags('s', prod), ...flags('t', staging)], { env: { PGPASSWORD: cluster.password } });
    expect(byFlags.exitCode).toBe(0);
  });

  it('narrows the other side to the schemas one side is limited to', async () => {
    const result = await runCli(['compare', '--source', prod.url, '--s-schema', 'app', '--target', drifted.url], { env: noEnv });
    expect(result.exitCode).toBe(3);
    expect(result.stdout).not.toContain('Billing Dept');
    expect(result.stdout).toContain('Drift: 1 missing in target, 0 extra in target, 1 different.');
  });

  it('compares against the configured connection when no target is named', async () => {
    const result = await runCli(['compare', '--source', prod.url], { env: pgEnv(cluster, drifted.name) });
    expect(result.exitCode).toBe(3);
  });

  it('compares a backup with the database it came from, and sees the drift made since', async () => {
    const source = await dbs.create(baseStatements);
    const backup = await runBackup(['schema-only'], pgEnv(cluster, source.name));
    backup.reader.close();
    const now = await runCli(['compare', '--source', backup.archive, '--target', source.url], { env: noEnv });
    expect(now.stderr).not.toMatch(/error|warn/i);
    expect(now.exitCode).toBe(0);
    await query(cluster, source.name, 'CREATE INDEX orders_note_idx ON app.orders (note)');
    const later = await runCli(['compare', '--source', backup.archive, '--target', source.url], { env: noEnv });
    expect(later.exitCode).toBe(3);
    expect(later.stdout).toContain('Extra in target (1):\n  INDEX "app"."orders_note_idx"');
    expect(later.stdout).toContain('(backup of');
  });
});

describe('pgbak compare fails clearly', () => {
  it('exits 2 without a source', async () => {
    const result = await runCli(['compare', '--target', prod.url], { env: noEnv });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('name the source');
  });

  it('exits 2 when --source is neither a URL nor a file', async () => {
    const result = await runCli(['compare', '--source', 'no-such-backup.zip', '--target', prod.url], { env: noEnv });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--source no-such-backup.zip: neither a postgres:// URL nor an existing backup file');
  });

  it('exits 2 on a wrong password, naming the side, without printing it', async () => {
    const url = prod.url.replace(encodeURIComponent(cluster.password), 'wrong-password');
    const result = await runCli(['compare', '--source', prod.url, '--target', url], { env: noEnv });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/target: .*password/i);
    expect(result.stderr).not.toContain('wrong-password');
  });

  it('exits 2 when a database does not exist', async () => {
    const result = await runCli(['compare', '--source', prod.url, '--t-host', cluster.host, '--t-port', String(cluster.port), '--t-user', cluster.user, '--t-db', 'no_such_db'], {
      env: { PGPASSWORD: cluster.password },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('no_such_db');
  });

  it('exits 1 when a server cannot be reached', async () => {
    const result = await runCli(['compare', '--source', prod.url, '--target', 'postgresql://nobody@127.0.0.1:1/app'], { env: noEnv });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/target: /);
  });

  it('exits 1 on a file that is not a backup', async () => {
    const dir = await makeTempDir('pgbak-compare-');
    await writeFile(join(dir, 'broken.zip'), 'not a zip at all');
    const result = await runCli(['compare', '--source', join(dir, 'broken.zip'), '--target', prod.url], { env: noEnv });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('source: ');
  });
});
