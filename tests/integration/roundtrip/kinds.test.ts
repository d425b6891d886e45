// Round trips for every built-in profile kind: back up a seeded database with the
// real CLI, then restore what the archive holds with the real pg_restore / psql.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { runCli } from '../../support/cli.js';
import { getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { SEEDED_SNAPSHOT, seedDatabase, snapshotDatabase, type DatabaseSnapshot } from '../../support/seed.js';
import {
  expectedManifestFacts,
  extractEntry,
  makeTempDir,
  pgRestore,
  pgRestoreList,
  psqlFile,
  trackTestResources,
  runBackup,
  withRowCounts,
  type Backup,
} from '../../support/restore-helpers.js';
import { expectSoundArchive } from './archive-checks.js';

const describeWithTools = hasClientTools() ? describe : describe.skip;
const cluster = getCluster(15);
const resources = trackTestResources(cluster);
const freshDatabase = (prefix: string) => resources.freshDatabase(prefix);

async function backup(args: string[], database: string): Promise<Backup> {
  const result = await runBackup(args, pgEnv(cluster, database));
  resources.keep(result);
  return result;
}

async function tableNames(database: string): Promise<string[]> {
  const rows = await query<{ name: string }>(
    cluster,
    database,
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'm', 'v', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}

async function largeObjects(database: string): Promise<Array<{ oid: number; data: string }>> {
  const rows = await query<{ oid: number; data: Buffer }>(
    cluster,
    database,
    `SELECT oid::int AS oid, lo_get(oid) AS data FROM pg_largeobject_metadata ORDER BY oid`,
  );
  return rows.map((row) => ({ oid: row.oid, data: row.data.toString('hex') }));
}

// pg_dumpall quotes an identifier only when it has to.
function roleIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : pg.escapeIdentifier(name);
}

async function isPopulated(database: string, schema: string, name: string): Promise<boolean> {
  const rows = await query<{ ispopulated: boolean }>(cluster, database, 'SELECT ispopulated FROM pg_matviews WHERE schemaname = $1 AND matviewname = $2', [schema, name]);
  return rows[0]?.ispopulated ?? false;
}

let source: TestDatabase;
let sourceSnapshot: DatabaseSnapshot;
const roles = [`pgbak_rt_reader_${randomBytes(4).toString('hex')}`, `pgbak rt "Odd" ${randomBytes(4).toString('hex')}`];

beforeAll(async () => {
  source = await freshDatabase('rt_kinds');
  await seedDatabase(cluster, source.name);
  sourceSnapshot = await snapshotDatabase(cluster, source.name);
  expect(sourceSnapshot).toEqual(SEEDED_SNAPSHOT);
  for (const role of roles) await query(cluster, 'postgres', `CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN`);
});

afterAll(async () => {
  await resources.release();
  for (const role of roles) await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
});

describeWithTools('round trip of each built-in profile kind', () => {
  it('full: writes a custom-format dump that pg_restore brings back with every row, sequence and large object', async () => {
    const result = await backup(['full'], source.name);
    await expectSoundArchive(result, cluster, { profile: 'full', database: source.name });
    const facts = expectedManifestFacts(sourceSnapshot);
    expect(result.manifest.steps).toHaveLength(1);
    const [step] = result.manifest.steps;
    expect(step).toMatchObject({ name: 'full', kind: 'full', database: source.name, format: 'custom', engine: 'pg_dump' });
    expect(step!.tool.name).toBe('pg_dump');
    expect(step!.entries.map((entry) => entry.name)).toEqual([`full/${source.name}.dump`]);
    expect(step!.entries[0]!.compressed).toBe(false);
    expect(step!.rowCounts).toEqual({ mode: 'exact', tables: facts.tables });
    expect(step!.sequences).toEqual(facts.sequences);
    expect(step!.largeObjects).toBe(2);

    const dir = await makeTempDir();
    const file = await extractEntry(result.reader, step!.entries[0]!.name, join(dir, 'full.dump'));
    const target = await freshDatabase('rt_full_target');
    await pgRestore(cluster, target.name, file);
    expect(await snapshotDatabase(cluster, target.name)).toEqual(sourceSnapshot);
    expect(await largeObjects(target.name)).toEqual(await largeObjects(source.name));
  });

  it('nightly: writes the database dump and the globals, which hold CREATE ROLE for roles of the cluster', async () => {
    const result = await backup(['nightly'], source.name);
    await expectSoundArchive(result, cluster, { profile: 'nightly', database: source.name });
    const [database, globals] = result.manifest.steps;
    expect(database).toMatchObject({ name: 'database', kind: 'full', format: 'custom', database: source.name });
    expect(database!.entries.map((entry) => entry.name)).toEqual([`database/${source.name}.dump`]);
    expect(database!.command).toContain('--lock-wait-timeout=30s');
    expect(globals).toMatchObject({ name: 'globals', kind: 'globals-only', format: 'plain', database: null, rowCounts: null, largeObjects: null });
    expect(globals!.tool.name).toBe('pg_dumpall');
    expect(globals!.entries.map((entry) => entry.name)).toEqual(['globals/globals.sql']);
    expect(globals!.entries[0]!.compressed).toBe(true);

    const sql = await result.reader.readText('globals/globals.sql');
    for (const role of roles) expect(sql).toContain(`CREATE ROLE ${roleIdent(role)};`);
    expect(sql).not.toMatch(/CREATE DATABASE/);

    const dir = await makeTempDir();
    const file = await extractEntry(result.reader, `database/${source.name}.dump`, join(dir, 'db.dump'));
    const target = await freshDatabase('rt_nightly_target');
    await pgRestore(cluster, target.name, file);
    expect(await snapshotDatabase(cluster, target.name)).toEqual(sourceSnapshot);
  });

  it('schema-only: writes plain SQL that psql restores into the same tables, views and sequences with no rows', async () => {
    const result = await backup(['schema-only'], source.name);
    await expectSoundArchive(result, cluster, { profile: 'schema-only', database: source.name });
    const [step] = result.manifest.steps;
    expect(step).toMatchObject({ kind: 'schema-only', format: 'plain', rowCounts: null, sequences: null, largeObjects: null });
    expect(step!.entries.map((entry) => entry.name)).toEqual([`schema-only/${source.name}.sql`]);
    expect(step!.entries[0]!.compressed).toBe(true);

    const dir = await makeTempDir();
    const file = await extractEntry(result.reader, step!.entries[0]!.name, join(dir, 'schema.sql'));
    const target = await freshDatabase('rt_schema_target');
    await psqlFile(cluster, target.name, file);
    expect(await tableNames(target.name)).toEqual(await tableNames(source.name));
    // The materialized view is created WITH NO DATA; refreshed over empty tables it has no rows.
    expect(await isPopulated(target.name, 'billing', 'revenue_by_status')).toBe(false);
    await query(cluster, target.name, 'REFRESH MATERIALIZED VIEW billing.revenue_by_status');
    const restored = await snapshotDatabase(cluster, target.name);
    // Sequences come back at their start values, not where the source's are.
    expect(restored.rowCounts).toEqual(withRowCounts(sourceSnapshot, 0).rowCounts);
    expect(restored.largeObjects).toBe(0);
    expect(restored.sequences['billing.invoice_number']).toEqual({ last_value: 1000, is_called: false });
  });

  it('data-only: restores rows, sequence values and large objects into a database that received the schema first', async () => {
    const schema = await backup(['schema-only'], source.name);
    const data = await backup(['data-only'], source.name);
    await expectSoundArchive(data, cluster, { profile: 'data-only', database: source.name });
    const [step] = data.manifest.steps;
    const facts = expectedManifestFacts(sourceSnapshot);
    expect(step).toMatchObject({ kind: 'data-only', format: 'custom' });
    expect(step!.rowCounts).toEqual({ mode: 'exact', tables: facts.tables });
    expect(step!.sequences).toEqual(facts.sequences);
    expect(step!.entries.map((entry) => entry.name)).toEqual([`data-only/${source.name}.dump`]);

    const dir = await makeTempDir();
    const schemaFile = await extractEntry(schema.reader, schema.manifest.steps[0]!.entries[0]!.name, join(dir, 'schema.sql'));
    const dataFile = await extractEntry(data.reader, step!.entries[0]!.name, join(dir, 'data.dump'));
    const toc = await pgRestoreList(dataFile);
    expect(toc).not.toMatch(/ TABLE (public|billing) /);
    expect(toc).toMatch(/ TABLE DATA public orders /);

    const target = await freshDatabase('rt_data_target');
    await psqlFile(cluster, target.name, schemaFile);
    await pgRestore(cluster, target.name, dataFile, ['--disable-triggers']);
    // A data-only dump holds no REFRESH MATERIALIZED VIEW (it is post-data): the view stays unpopulated.
    expect(await isPopulated(target.name, 'billing', 'revenue_by_status')).toBe(false);
    await query(cluster, target.name, 'REFRESH MATERIALIZED VIEW billing.revenue_by_status');
    expect(await snapshotDatabase(cluster, target.name)).toEqual(sourceSnapshot);
    expect(await largeObjects(target.name)).toEqual(await largeObjects(source.name));
  });

  it('tables: with --table public.orders --table billing.invoices, only those two tables come back', async () => {
    const result = await backup(['tables', '--table', 'public.orders', '--table', 'billing.invoices'], source.name);
    await expectSoundArchive(result, cluster, { profile: 'tables', database: source.name });
    const [step] = result.manifest.steps;
    expect(step).toMatchObject({ kind: 'tables', format: 'custom', largeObjects: null });
    expect(step!.command).toEqual(expect.arrayContaining(['--strict-names', '--table=public.orders', '--table=billing.invoices']));
    expect(step!.rowCounts).toEqual({ mode: 'exact', tables: { 'public.orders': 3000, 'billing.invoices': 100 } });

    const dir = await makeTempDir();
    const file = await extractEntry(result.reader, step!.entries[0]!.name, join(dir, 'tables.dump'));
    const toc = await pgRestoreList(file);
    expect(toc.match(/ TABLE DATA \S+ \S+ /g)?.sort()).toEqual([' TABLE DATA billing invoices ', ' TABLE DATA public orders ']);
    expect(toc).not.toMatch(/ BLOBS /);

    const target = await freshDatabase('rt_tables_target');
    // A --table dump leaves out what the tables depend on (pg_dump documents this):
    // the schema, the enum type, the sequence of a DEFAULT; the operator creates them,
    // and leaves out the foreign keys to tables not restored.
    await query(cluster, target.name, 'CREATE SCHEMA billing');
    await query(cluster, target.name, `CREATE TYPE public.order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled')`);
    await query(cluster, target.name, 'CREATE SEQUENCE billing.invoice_number START 1000 INCREMENT 10');
    const listFile = join(dir, 'tables.list');
    await writeFile(listFile, toc.split('\n').filter((line) => !/ FK CONSTRAINT public orders orders_customer_id_fkey /.test(line)).join('\n'));
    await pgRestore(cluster, target.name, file, ['--use-list', listFile]);
    const restored = await snapshotDatabase(cluster, target.name);
    expect(restored.rowCounts).toEqual({ 'public.orders': 3000, 'billing.invoices': 100 });
    expect(await tableNames(target.name)).toEqual(['billing.invoice_number', 'billing.invoices', 'billing.invoices_id_seq', 'public.orders', 'public.orders_id_seq']);
    expect(restored.largeObjects).toBe(0);
    expect(restored.sequences['public.orders_id_seq']).toEqual(sourceSnapshot.sequences['public.orders_id_seq']);
    expect(restored.sequences['billing.invoices_id_seq']).toEqual(sourceSnapshot.sequences['billing.invoices_id_seq']);
  });

  it('tables: a --table that matches nothing fails the run and leaves no archive', async () => {
    const outputDir = await makeTempDir();
    const cli = await runCli(['run', 'tables', '--table', 'public.no_such_table', '--output-dir', outputDir], { env: pgEnv(cluster, source.name) });
    // A name that matches nothing is a configuration problem: exit code 2.
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr).toMatch(/no matching tables were found/);
    const names = await readdir(outputDir);
    expect(names.filter((name) => !name.endsWith('.log'))).toEqual([]);
    const [log] = names.filter((name) => name.endsWith('.log'));
    expect(await readFile(join(outputDir, log!), 'utf8')).toMatch(/no matching tables were found/);
  });

  it('large-objects: restores the large objects alone, same OIDs and content, into an empty database with no tables', async () => {
    const result = await backup(['large-objects'], source.name);
    await expectSoundArchive(result, cluster, { profile: 'large-objects', database: source.name });
    const [step] = result.manifest.steps;
    expect(step).toMatchObject({ kind: 'large-objects', format: 'custom', rowCounts: null, sequences: null, largeObjects: 2 });

    const dir = await makeTempDir();
    const file = await extractEntry(result.reader, step!.entries[0]!.name, join(dir, 'lo.dump'));
    const toc = await pgRestoreList(file);
    expect(toc).toMatch(/ BLOBS /);
    expect(toc).not.toMatch(/ TABLE DATA /);
    expect(toc).not.toMatch(/ SEQUENCE SET /);

    const target = await freshDatabase('rt_lo_target');
    await pgRestore(cluster, target.name, file);
    expect(await largeObjects(target.name)).toEqual(await largeObjects(source.name));
    expect(await tableNames(target.name)).toEqual([]);
    expect(await snapshotDatabase(cluster, target.name)).toEqual({ rowCounts: {}, sequences: {}, largeObjects: 2 });
  });

  it('globals-only: writes pg_dumpall --globals-only SQL with the cluster roles and no database', async () => {
    const result = await backup(['globals-only'], source.name);
    await expectSoundArchive(result, cluster, { profile: 'globals-only', database: source.name });
    const [step] = result.manifest.steps;
    expect(step).toMatchObject({ kind: 'globals-only', format: 'plain', database: null, rowCounts: null, sequences: null, largeObjects: null, snapshot: null });
    expect(step!.entries.map((entry) => entry.name)).toEqual(['globals-only/globals.sql']);
    expect(step!.command).toContain('--globals-only');
    const sql = await result.reader.readText('globals-only/globals.sql');
    for (const role of roles) expect(sql).toContain(`CREATE ROLE ${roleIdent(role)};`);
    expect(sql).toContain(`ALTER ROLE ${roleIdent(cluster.user)} WITH SUPERUSER`);
    expect(sql).not.toMatch(/CREATE TABLE|COPY /);
  });
});
