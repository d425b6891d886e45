// What `pgbak restore` refuses, and that it refuses before touching the target:
// damaged archives (exit 1), a target holding tables, a missing target (exit 2).
import { copyFile, stat, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { hasClientTools, type TestDatabase } from '../../support/db.js';
import { makeTempDir, removeTempDirs, type Backup } from '../../support/restore-helpers.js';
import { SEEDED_SNAPSHOT, snapshotDatabase } from '../../support/seed.js';
import { errorReport } from '../failures/helpers.js';
import { cluster, databaseExists, pgbak, tableCount, testState } from './helpers.js';
import { rewriteEntry } from './tamper.js';

jest.setTimeout(120_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const state = testState();
let source: TestDatabase;
let backup: Backup;

beforeAll(async () => {
  source = await state.seeded('rf_source');
  backup = await state.backup(source, ['full']);
});

afterAll(async () => {
  await state.cleanUp();
  await removeTempDirs();
});

async function damagedCopy(damage: (file: string) => Promise<void>): Promise<string> {
  const file = join(await makeTempDir('pgbak-damaged-'), 'backup.zip');
  await copyFile(backup.archive, file);
  await damage(file);
  return file;
}

describeWithTools('pgbak restore refuses a damaged archive with exit 1, target untouched', () => {
  const cases: Array<[string, () => Promise<string>, RegExp]> = [
    ['a truncated zip', () => damagedCopy(async (file) => truncate(file, Math.floor((await stat(file)).size / 2))), /not a readable pgbak archive/],
    ['a file of random bytes', () => damagedCopy(async (file) => writeFile(file, randomBytes(64 * 1024))), /not a readable pgbak archive/],
    [
      'an entry altered without changing its size',
      () => rewriteEntry(backup.archive, `full/${source.name}.dump`, (text) => text.replace('customers', 'customerz'), false),
      /entries do not match the manifest: full\/.*digest mismatch/,
    ],
  ];

  it.each(cases)('refuses %s', async (_name, make, message) => {
    const file = await make();
    const empty = await state.fresh('rf_untouched');
    const created = state.unusedName('rf_create');

    const intoEmpty = await pgbak(['restore', file, '--target', empty.name]);
    const withCreate = await pgbak(['restore', file, '--target', created, '--create']);

    for (const result of [intoEmpty, withCreate]) {
      expect(result.exitCode).toBe(1);
      expect(errorReport(result.stderr).message).toMatch(message);
    }
    expect(await tableCount(empty.name)).toBe(0);
    expect(await databaseExists(created)).toBe(false);
  });
});

describeWithTools('pgbak restore checks the target first', () => {
  it('refuses a target that holds user tables with exit 2 (TARGET_NOT_EMPTY), and restores over it with --clean', async () => {
    const target = await state.seeded('rf_full');
    await (await import('../../support/db.js')).query(cluster, target.name, 'DELETE FROM "Weird Schema"."café" WHERE "Größe" IS NULL');

    const refused = await pgbak(['restore', backup.archive, '--target', target.name, '--json']);
    const cleaned = await pgbak(['restore', backup.archive, '--target', target.name, '--clean']);

    expect(refused.exitCode).toBe(2);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, exitCode: 2, error: { code: 'TARGET_NOT_EMPTY' } });
    expect(refused.stderr).toMatch(/refusing to restore into ".*": it already holds 6 user tables/);
    expect(errorReport(refused.stderr).hint).toContain('--clean');
    expect(cleaned.stderr).not.toMatch(/error/i);
    expect(cleaned.exitCode).toBe(0);
    // --clean drops what the archive holds; the target's own large objects (other OIDs) stay, as with pg_restore.
    expect(await snapshotDatabase(cluster, target.name)).toEqual({ ...SEEDED_SNAPSHOT, largeObjects: 4 });
  });

  it('refuses a missing target without --create with exit 2 and a hint to pass --create', async () => {
    const missing = state.unusedName('rf_missing');

    const result = await pgbak(['restore', backup.archive, '--target', missing]);

    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr);
    expect(report.message).toContain(`the target database "${missing}" does not exist`);
    expect(report.hint).toContain('--create');
    expect(await databaseExists(missing)).toBe(false);
  });

  it('finds pg_restore missing before --create creates the database (exit 1, nothing created)', async () => {
    const bare = await makeTempDir('pgbak-no-tools-');
    const missing = state.unusedName('rf_no_tool');

    const result = await pgbak(['restore', backup.archive, '--target', missing, '--create'], { PATH: bare, PGBAK_PG_INSTALL_DIRS: '' });

    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toMatch(/pg_restore/);
    expect(result.stderr).not.toContain('creating database');
    expect(await databaseExists(missing)).toBe(false);
  });

  it('reports pg_restore\'s first error line and exits 1 when the restore itself fails', async () => {
    const target = await state.fresh('rf_fails');
    // A table of the same name but another shape: the restore's CREATE TABLE fails.
    await (await import('../../support/db.js')).query(cluster, target.name, 'CREATE TABLE public.customers (x int)');

    const result = await pgbak(['restore', backup.archive, '--target', target.name, '--force']);

    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(/pg_restore exited with code 1: pg_restore: error: .*relation "customers" already exists/);
    // A restore writes no run log: the hint says what became of the target and where the rest of the output is.
    expect(report.hint).toBe(`nothing was restored into "${target.name}": it ran in one transaction, rolled back; rerun with --verbose to see all of pg_restore's output`);
    expect(await tableCount(target.name)).toBe(1);

    const parallel = await pgbak(['restore', backup.archive, '--target', target.name, '--force', '--jobs', '2']);
    expect(parallel.exitCode).toBe(1);
    expect(errorReport(parallel.stderr).hint).toBe(`"${target.name}" may be partly restored: after fixing the cause, restore again with --clean; rerun with --verbose to see all of pg_restore's output`);
  });
});
