// The table-family readers against real servers: a database holding every
// object of the family (with hostile names) is read inside the dump's snapshot,
// the SQL is restored with stock psql into an empty database, and on PostgreSQL 15
// pg_dump --schema-only of both databases must be identical; on 17 (which
// pg_dump 15 refuses) reading the restored database must give the same SQL back.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  connectionInfo,
  createTestDatabase,
  getCluster,
  hasClientTools,
  pgEnv,
  query,
  type ClusterInfo,
  type TestDatabase,
} from '../../../support/db.js';
import { allOptions, readFamilies, scriptHeader, type FamilyDump } from './read-families.js';

const fixture = readFileSync(new URL('./fixtures/table-family.sql', import.meta.url), 'utf8');
// PostgreSQL 17 allows identity columns on partitioned tables (the partitions share the parent's sequence).
const fixture17 = `
CREATE TABLE app.ident_parts (id int GENERATED ALWAYS AS IDENTITY, x int) PARTITION BY RANGE (id);
CREATE TABLE app.ident_parts_1 PARTITION OF app.ident_parts FOR VALUES FROM (1) TO (10);
`;
const describeWithTools = hasClientTools(['psql', 'pg_dump']) ? describe : describe.skip;

async function restore(cluster: ClusterInfo, target: TestDatabase, dump: FamilyDump, dir: string): Promise<void> {
  const file = join(dir, `${target.name}.sql`);
  await writeFile(file, scriptHeader + dump.script);
  await execa('psql', ['-v', 'ON_ERROR_STOP=1', '-X', '-q', '-f', file], { env: { ...process.env, ...pgEnv(cluster, target.name) } });
}

/** pg_dump --schema-only without comments, blank lines and the per-run \restrict key. */
async function schemaDump(cluster: ClusterInfo, database: string): Promise<string[]> {
  const { stdout } = await execa('pg_dump', ['--schema-only', database], { env: { ...process.env, ...pgEnv(cluster, database) } });
  return stdout.split('\n').filter((line) => line !== '' && !line.startsWith('--') && !/^\\(un)?restrict /.test(line));
}

describeWithTools.each([15, 17])('table-family readers on PostgreSQL %i', (major) => {
  let cluster: ClusterInfo;
  let source: TestDatabase;
  let restored: TestDatabase;
  let dir: string;
  let dump: FamilyDump;

  beforeAll(async () => {
    cluster = getCluster(major);
    dir = await mkdtemp(join(tmpdir(), 'pgbak-native-tables-'));
    source = await createTestDatabase(cluster, `tables_src_${major}`);
    restored = await createTestDatabase(cluster, `tables_dst_${major}`);
    await query(cluster, source.name, fixture);
    if (major >= 17) await query(cluster, source.name, fixture17);
    dump = await readFamilies(connectionInfo(cluster, source.name), allOptions(major));
    await restore(cluster, restored, dump, dir);
  });

  afterAll(async () => {
    await source?.drop();
    await restored?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  if (major === 15) {
    it('restores into a database whose pg_dump --schema-only is identical to the source', async () => {
      const [before, after] = await Promise.all([schemaDump(cluster, source.name), schemaDump(cluster, restored.name)]);
      expect(before.length).toBeGreaterThan(200);
      expect(after).toEqual(before);
    });
  }

  it('reads the restored database back into the same SQL', async () => {
    const again = await readFamilies(connectionInfo(cluster, restored.name), allOptions(major));
    expect(again.script).toEqual(dump.script);
  });

  it('gives every entry a unique id and a ref for what it creates', () => {
    const ids = dump.entries.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of dump.entries) {
      if (['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'SEQUENCE', 'INDEX', 'CONSTRAINT', 'TYPE', 'DOMAIN'].includes(entry.kind)) {
        expect(entry.ref).not.toBeNull();
      }
    }
  });

  it('copies leaf tables without their generated columns, and never a partitioned parent', () => {
    const data = new Map(dump.entries.filter((e) => e.kind === 'TABLE DATA').map((e) => [`${e.schema}.${e.name}`, e]));
    expect(data.get('Weird "Schema" ü.select')?.copy?.columns).toEqual(['id', 'Name With Space', 'ü', 'big', 'mood', 's']);
    expect(data.get('Weird "Schema" ü.select')?.section).toBe('data');
    expect(data.has('app.meas')).toBe(false);
    expect(data.has('app.meas_2020')).toBe(false);
    expect(data.has('app.meas_2020_1')).toBe(true);
    expect(data.get('Ünï "q" Spaß.p a')?.copy?.columns).toEqual(['id', 'k']);
  });

  it('leaves out the members of extensions and the objects of system schemas', () => {
    expect(dump.entries.some((e) => e.name.startsWith('gbt') || e.name.startsWith('gbtree'))).toBe(false);
    expect(dump.entries.some((e) => e.schema === 'pg_catalog' || e.schema === 'information_schema')).toBe(false);
    expect(dump.entries.filter((e) => e.kind === 'EXTENSION').map((e) => e.name)).toEqual(['btree_gist']);
    expect(dump.entries.some((e) => e.kind === 'SCHEMA' && e.name === 'public')).toBe(false);
  });

  it('refreshes only populated materialized views, after the data', () => {
    const refreshes = dump.entries.filter((e) => e.kind === 'MATERIALIZED VIEW DATA');
    expect(refreshes.map((e) => e.name).sort()).toEqual(['mv', 'mv "x"']);
    expect(refreshes.every((e) => e.section === 'post-data')).toBe(true);
  });

  it('leaves out a table outside the scope with everything that hangs on it', async () => {
    const scoped = await readFamilies(
      connectionInfo(cluster, source.name),
      allOptions(major, { includesTable: (schema, table) => !(schema === 'Weird "Schema" ü' && table === 'select') }),
    );
    const mentions = scoped.entries.filter((e) => e.schema === 'Weird "Schema" ü');
    expect(mentions.map((e) => e.kind)).toEqual([]);
    expect(scoped.entries.some((e) => e.kind === 'SCHEMA' && e.name === 'Weird "Schema" ü')).toBe(true);
  });
});
