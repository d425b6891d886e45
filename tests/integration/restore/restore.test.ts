// `pgbak restore` against the real PostgreSQL 15 with the real pg_restore / psql:
// every format, into a new or another database, selective, parallel, plain SQL.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { hasClientTools, query, type TestDatabase } from '../../support/db.js';
import { SEEDED_SNAPSHOT, snapshotDatabase } from '../../support/seed.js';
import { makeTempDir, removeTempDirs } from '../../support/restore-helpers.js';
import { cluster, databaseExists, pgbak, tableCount, testState } from './helpers.js';
import { withoutAuthenticityWarning } from '../../support/authenticity.js';

jest.setTimeout(120_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const state = testState();
let source: TestDatabase;

beforeAll(async () => {
  source = await state.seeded('rs_source');
});

afterAll(async () => {
  await state.cleanUp();
  await removeTempDirs();
});

describeWithTools('pgbak restore', () => {
  it('restores the full profile into a new database with --create, streaming the custom dump into pg_restore', async () => {
    const backup = await state.backup(source, ['full']);
    const target = state.unusedName('rs_create');

    const result = await pgbak(['restore', backup.archive, '--target', target, '--create']);

    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);
    expect(await snapshotDatabase(cluster, target)).toEqual(SEEDED_SNAPSHOT);
  });

  it('restores into the database the backup came from by default, and into another name with --target', async () => {
    const backup = await state.backup(source, ['full', '--format', 'tar']);
    const other = await state.fresh('rs_other');

    const result = await pgbak(['restore', backup.archive, '--target', other.name, '--json']);

    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as { items: Array<{ target: string; database: string; created: boolean }> };
    expect(summary.items).toEqual([expect.objectContaining({ target: other.name, database: source.name, created: false })]);
    expect(await snapshotDatabase(cluster, other.name)).toEqual(SEEDED_SNAPSHOT);
    // The source was never a target: it refuses (it holds tables).
    const again = await pgbak(['restore', backup.archive]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain(`refusing to restore into "${source.name}"`);
  });

  it('restores only the tables and schemas named by --table and --schema', async () => {
    const backup = await state.backup(source, ['full']);
    const tables = state.unusedName('rs_tables');
    const schema = state.unusedName('rs_schema');

    const byTable = await pgbak(['restore', backup.archive, '--target', tables, '--create', '--table', 'public.customers']);
    const bySchema = await pgbak(['restore', backup.archive, '--target', schema, '--create', '--schema', 'Weird Schema']);

    expect(withoutAuthenticityWarning(byTable.stderr)).not.toMatch(/error|warning/i);
    expect(byTable.exitCode).toBe(0);
    expect(await query(cluster, tables, "SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")).toEqual([{ t: 'public.customers' }]);
    expect(await query(cluster, tables, 'SELECT count(*)::int AS n FROM public.customers')).toEqual([{ n: 50 }]);
    expect(bySchema.exitCode).toBe(0);
    expect(await query(cluster, schema, 'SELECT count(*)::int AS n FROM "Weird Schema"."café"')).toEqual([{ n: 10 }]);
    expect(await tableCount(schema)).toBe(1);
  });

  it('restores --data-only into a database made by a --schema-only restore', async () => {
    const backup = await state.backup(source, ['full']);
    const target = state.unusedName('rs_split');

    const schemaOnly = await pgbak(['restore', backup.archive, '--target', target, '--create', '--schema-only']);
    expect(schemaOnly.exitCode).toBe(0);
    expect(await tableCount(target)).toBe(6);
    expect(await query(cluster, target, 'SELECT count(*)::int AS n FROM public.orders')).toEqual([{ n: 0 }]);

    const dataOnly = await pgbak(['restore', backup.archive, '--target', target, '--data-only', '--disable-triggers']);

    expect(dataOnly.stderr).not.toMatch(/error/i);
    expect(dataOnly.exitCode).toBe(0);
    // pg_restore refreshes materialized views in the post-data section, which neither restore includes.
    expect(await snapshotDatabase(cluster, target)).toEqual({ ...SEEDED_SNAPSHOT, rowCounts: { ...SEEDED_SNAPSHOT.rowCounts, 'billing.revenue_by_status': 0 } });
  });

  it('restores with --jobs 2 from a directory-format backup and from a custom-format one', async () => {
    const directory = await state.backup(source, ['full', '--format', 'directory', '--jobs', '2']);
    const custom = await state.backup(source, ['full']);
    const fromDirectory = state.unusedName('rs_jobs_dir');
    const fromCustom = state.unusedName('rs_jobs_custom');
    const tmp = await mkdtemp(join(tmpdir(), 'pgbak-restore-tmp-'));

    const a = await pgbak(['restore', directory.archive, '--target', fromDirectory, '--create', '--jobs', '2'], { PGBAK_TMPDIR: tmp });
    const b = await pgbak(['restore', custom.archive, '--target', fromCustom, '--create', '--jobs', '2'], { PGBAK_TMPDIR: tmp });

    // The one warning: no single transaction with --jobs.
    for (const result of [a, b]) {
      expect(result.stderr).not.toMatch(/error/i);
      expect(withoutAuthenticityWarning(result.stderr).match(/warning.*/gi)).toEqual(['warning: --jobs 2: pg_restore cannot restore in parallel inside one transaction, so a failure leaves the target partly restored']);
      expect(result.exitCode).toBe(0);
    }
    expect(await snapshotDatabase(cluster, fromDirectory)).toEqual(SEEDED_SNAPSHOT);
    expect(await snapshotDatabase(cluster, fromCustom)).toEqual(SEEDED_SNAPSHOT);
    // The private temp dirs are gone.
    expect(await readdir(tmp)).toEqual([]);
    await rm(tmp, { recursive: true });
  });

  it('restores a plain SQL backup through psql, and a gzip-compressed one gunzipped on the way', async () => {
    const plain = await state.backup(source, ['full', '--format', 'plain']);
    const dir = await makeTempDir('pgbak-profile-');
    const profile = join(dir, 'plain-gzip.yaml');
    await writeFile(profile, 'steps:\n  - kind: full\n    format: plain\n    compression: 6\n');
    const gzipped = await state.backup(source, [profile]);
    expect(gzipped.manifest.steps[0]!.entries[0]!.name).toBe(`full/${source.name}.sql.gz`);
    const target = state.unusedName('rs_plain');
    const targetGz = state.unusedName('rs_plain_gz');

    const result = await pgbak(['restore', plain.archive, '--target', target, '--create']);
    const resultGz = await pgbak(['restore', gzipped.archive, '--target', targetGz, '--create']);

    expect(withoutAuthenticityWarning(result.stderr)).not.toMatch(/error|warning/i);
    expect(result.exitCode).toBe(0);
    expect(await snapshotDatabase(cluster, target)).toEqual(SEEDED_SNAPSHOT);
    expect(withoutAuthenticityWarning(resultGz.stderr)).not.toMatch(/error|warning/i);
    expect(resultGz.exitCode).toBe(0);
    expect(await snapshotDatabase(cluster, targetGz)).toEqual(SEEDED_SNAPSHOT);
  });

  it('refuses --table on a plain SQL backup with exit 2, before touching anything', async () => {
    const plain = await state.backup(source, ['full', '--format', 'plain']);
    const target = state.unusedName('rs_plain_table');

    const result = await pgbak(['restore', plain.archive, '--target', target, '--create', '--table', 'customers']);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('plain SQL');
    expect(await databaseExists(target)).toBe(false);
  });

  it('--list shows the manifest, the entries with sizes and pg_restore\'s table of contents, without a database', async () => {
    const backup = await state.backup(source, ['full']);

    const result = await pgbak(['restore', backup.archive, '--list'], { PGHOST: '127.0.0.1', PGPORT: '1' });

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`full/${source.name}.dump`);
    expect(result.stdout).toContain('profile   full');
    expect(result.stdout).toMatch(/TABLE DATA public customers/);
  });

  it('--dry-run prints the commands with the password redacted and touches nothing', async () => {
    const backup = await state.backup(source, ['full']);
    const target = state.unusedName('rs_dry');

    const result = await pgbak(['restore', backup.archive, '--target', target, '--create', '--jobs', '2', '--dry-run']);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`CREATE DATABASE "${target}" TEMPLATE template0`);
    expect(result.stdout).toMatch(/pg_restore .*--dbname=t_rs_dry_\w+ --exit-on-error --jobs=2/);
    expect(result.stdout).toContain("PGPASSWORD='<redacted>'");
    expect(result.stdout).not.toContain(cluster.password);
    expect(await databaseExists(target)).toBe(false);
  });
});
