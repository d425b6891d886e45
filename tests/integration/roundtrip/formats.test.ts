// Round trips of the full profile in each pg_dump output format, and the manifest's
// row counts in each --row-counts mode.
import { join } from 'node:path';
import { getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { SEEDED_SNAPSHOT, seedDatabase, snapshotDatabase, type DatabaseSnapshot } from '../../support/seed.js';
import {
  expectedManifestFacts,
  extractEntry,
  extractPrefix,
  makeTempDir,
  pgRestore,
  psqlFile,
  trackTestResources,
  runBackup,
  type Backup,
} from '../../support/restore-helpers.js';
import { expectSoundArchive } from './archive-checks.js';

const describeWithTools = hasClientTools() ? describe : describe.skip;
const cluster = getCluster(15);
const resources = trackTestResources(cluster);
const freshDatabase = (prefix: string) => resources.freshDatabase(prefix);

async function backup(args: string[]): Promise<Backup> {
  const result = await runBackup(args, pgEnv(cluster, source.name));
  resources.keep(result);
  return result;
}

async function largeObjects(database: string): Promise<Array<{ oid: number; data: string }>> {
  const rows = await query<{ oid: number; data: Buffer }>(cluster, database, 'SELECT oid::int AS oid, lo_get(oid) AS data FROM pg_largeobject_metadata ORDER BY oid');
  return rows.map((row) => ({ oid: row.oid, data: row.data.toString('hex') }));
}

let source: TestDatabase;
let sourceSnapshot: DatabaseSnapshot;

beforeAll(async () => {
  source = await freshDatabase('rt_formats');
  await seedDatabase(cluster, source.name);
  // Planner estimates exist only once a table has been analyzed (reltuples is -1 before).
  await query(cluster, source.name, 'ANALYZE');
  sourceSnapshot = await snapshotDatabase(cluster, source.name);
  expect(sourceSnapshot).toEqual(SEEDED_SNAPSHOT);
});

afterAll(async () => {
  await resources.release();
});

describeWithTools('round trip of the full profile in each output format', () => {
  it('--format plain: writes deflated SQL that psql -v ON_ERROR_STOP=1 restores completely', async () => {
    const result = await backup(['full', '--format', 'plain']);
    await expectSoundArchive(result, cluster, { profile: 'full', database: source.name });
    const [step] = result.manifest.steps;
    expect(step).toMatchObject({ kind: 'full', format: 'plain', largeObjects: 2 });
    expect(step!.command).toContain('--format=plain');
    expect(step!.entries).toEqual([expect.objectContaining({ name: `full/${source.name}.sql`, compressed: true })]);
    expect(result.reader.entries().find((entry) => entry.name === `full/${source.name}.sql`)?.compressed).toBe(true);

    const dir = await makeTempDir();
    const file = await extractEntry(result.reader, step!.entries[0]!.name, join(dir, 'full.sql'));
    const target = await freshDatabase('rt_plain_target');
    await psqlFile(cluster, target.name, file);
    expect(await snapshotDatabase(cluster, target.name)).toEqual(sourceSnapshot);
    expect(await largeObjects(target.name)).toEqual(await largeObjects(source.name));
  });

  it('--format tar: writes a tar archive that pg_restore restores completely', async () => {
    const result = await backup(['full', '--format', 'tar']);
    await expectSoundArchive(result, cluster, { profile: 'full', database: source.name });
    const [step] = result.manifest.steps;
    expect(step).toMatchObject({ format: 'tar' });
    expect(step!.entries).toEqual([expect.objectContaining({ name: `full/${source.name}.tar`, compressed: true })]);

    const dir = await makeTempDir();
    const file = await extractEntry(result.reader, step!.entries[0]!.name, join(dir, 'full.tar'));
    const target = await freshDatabase('rt_tar_target');
    await pgRestore(cluster, target.name, file);
    expect(await snapshotDatabase(cluster, target.name)).toEqual(sourceSnapshot);
    expect(await largeObjects(target.name)).toEqual(await largeObjects(source.name));
  });

  it('--format directory --jobs 2: stores the dump files under full/<db>/, toc.dat first, .dat.gz not deflated again', async () => {
    const result = await backup(['full', '--format', 'directory', '--jobs', '2']);
    await expectSoundArchive(result, cluster, { profile: 'full', database: source.name });
    const [step] = result.manifest.steps;
    const prefix = `full/${source.name}/`;
    expect(step).toMatchObject({ format: 'directory' });
    expect(step!.command).toEqual(expect.arrayContaining(['--format=directory', '--jobs=2']));
    const names = step!.entries.map((entry) => entry.name);
    expect(names[0]).toBe(`${prefix}toc.dat`);
    expect(names.every((name) => name.startsWith(prefix))).toBe(true);
    const dataFiles = step!.entries.filter((entry) => entry.name.endsWith('.dat.gz'));
    // One file per table with rows, plus the large objects (blob_<oid>.dat.gz) and the matview's none.
    expect(dataFiles.length).toBeGreaterThanOrEqual(6);
    const listed = new Map(result.reader.entries().map((entry) => [entry.name, entry]));
    for (const entry of dataFiles) {
      expect(entry.compressed).toBe(false);
      expect(listed.get(entry.name)?.compressed).toBe(false);
      expect(listed.get(entry.name)?.compressedSize).toBe(entry.bytes);
    }
    expect(listed.get(`${prefix}toc.dat`)?.compressed).toBe(true);
    // No temporary dump folder is left in the output folder (checked by expectSoundArchive too).

    const dir = await makeTempDir();
    const dumpDir = join(dir, 'dump');
    expect(await extractPrefix(result.reader, prefix, dumpDir)).toEqual(names);
    const target = await freshDatabase('rt_dir_target');
    await pgRestore(cluster, target.name, dumpDir, ['--jobs=2']);
    expect(await snapshotDatabase(cluster, target.name)).toEqual(sourceSnapshot);
    expect(await largeObjects(target.name)).toEqual(await largeObjects(source.name));
  });
});

describeWithTools('row counts in the manifest', () => {
  it('--row-counts estimate records the planner estimates, equal to the counts on an analyzed database', async () => {
    const result = await backup(['full', '--row-counts', 'estimate']);
    const [step] = result.manifest.steps;
    const facts = expectedManifestFacts(sourceSnapshot);
    expect(step!.rowCounts).toEqual({ mode: 'estimate', tables: facts.tables });
    expect(step!.sequences).toEqual(facts.sequences);
    expect(step!.largeObjects).toBe(2);
  });

  it('--row-counts off records no row counts but still the sequences and large objects', async () => {
    const result = await backup(['full', '--row-counts', 'off']);
    await expectSoundArchive(result, cluster, { profile: 'full', database: source.name });
    const [step] = result.manifest.steps;
    expect(step!.rowCounts).toBeNull();
    expect(step!.sequences).toEqual(expectedManifestFacts(sourceSnapshot).sequences);
    expect(step!.largeObjects).toBe(2);
  });
});
