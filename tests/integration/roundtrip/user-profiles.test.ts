// Round trips driven by user profiles: several databases in one run, `databases:
// all` with exclusions, and `${VAR}` expansion fed by an --env-file.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../../support/cli.js';
import { getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { SEEDED_SNAPSHOT, seedDatabase, snapshotDatabase, type DatabaseSnapshot } from '../../support/seed.js';
import { extractEntry, makeTempDir, pgRestore, runBackup, trackTestResources, type Backup } from '../../support/restore-helpers.js';
import { expectSoundArchive } from './archive-checks.js';

const describeWithTools = hasClientTools() ? describe : describe.skip;
const cluster = getCluster(15);
const resources = trackTestResources(cluster);
const freshDatabase = (prefix: string) => resources.freshDatabase(prefix);

/** A --profiles-dir holding one profile file. */
async function profilesDir(name: string, yaml: string): Promise<string> {
  const dir = await makeTempDir('pgbak-profiles-');
  await writeFile(join(dir, `${name}.yaml`), yaml);
  return dir;
}

async function backup(args: string[], env: Record<string, string>, options: { cwd?: string } = {}): Promise<Backup> {
  const result = await runBackup(args, env, options);
  resources.keep(result);
  return result;
}

async function restoreEntry(result: Backup, entry: string, prefix: string): Promise<TestDatabase> {
  const dir = await makeTempDir();
  const file = await extractEntry(result.reader, entry, join(dir, 'dump'));
  const target = await freshDatabase(prefix);
  await pgRestore(cluster, target.name, file);
  return target;
}

// A small database unlike the seeded one, so a mix-up between the two shows.
async function seedSmall(database: string, rows: number): Promise<void> {
  await query(cluster, database, `CREATE TABLE public.notes (id serial PRIMARY KEY, body text NOT NULL);
    INSERT INTO public.notes (body) SELECT 'note ' || g FROM generate_series(1, ${rows}) AS g`);
}

let seeded: TestDatabase;
let small: TestDatabase;
let seededSnapshot: DatabaseSnapshot;

beforeAll(async () => {
  seeded = await freshDatabase('rt_user_a');
  small = await freshDatabase('rt_user_b');
  await seedDatabase(cluster, seeded.name);
  await seedSmall(small.name, 7);
  seededSnapshot = await snapshotDatabase(cluster, seeded.name);
  expect(seededSnapshot).toEqual(SEEDED_SNAPSHOT);
});

afterAll(async () => {
  await resources.release();
});

describeWithTools('round trip of user profiles', () => {
  it('databases: [a, b] writes one dump per database into one zip, each restoring to its own source', async () => {
    const dir = await profilesDir(
      'two',
      `description: two databases\narchives: single\nsteps:\n  - name: dbs\n    kind: full\n    databases: [${seeded.name}, ${small.name}]\n`,
    );
    const result = await backup(['two', '--profiles-dir', dir], pgEnv(cluster, seeded.name));
    await expectSoundArchive(result, cluster, { profile: 'two', database: seeded.name, origin: 'user' });
    expect(result.manifest.steps.map((step) => [step.name, step.database])).toEqual([
      ['dbs', seeded.name],
      ['dbs', small.name],
    ]);
    const entries = result.manifest.steps.flatMap((step) => step.entries.map((entry) => entry.name));
    expect(entries).toEqual([`dbs/${seeded.name}.dump`, `dbs/${small.name}.dump`]);
    expect(result.manifest.steps[1]!.rowCounts).toEqual({ mode: 'exact', tables: { 'public.notes': 7 } });
    expect(result.manifest.steps[1]!.largeObjects).toBe(0);

    const restoredA = await restoreEntry(result, entries[0]!, 'rt_user_a_target');
    const restoredB = await restoreEntry(result, entries[1]!, 'rt_user_b_target');
    expect(await snapshotDatabase(cluster, restoredA.name)).toEqual(seededSnapshot);
    expect(await snapshotDatabase(cluster, restoredB.name)).toEqual(await snapshotDatabase(cluster, small.name));
  });

  it('databases: all writes an entry for every database but the excluded ones and the templates', async () => {
    const kept = await freshDatabase('rt_all_kept');
    const excluded = await freshDatabase('rt_all_excluded');
    await seedSmall(kept.name, 3);
    await seedSmall(excluded.name, 5);
    // Other test files create and drop their databases while this runs: leave out
    // the ones that exist now (one may be locked or gone by the time pg_dump reaches
    // it), and retry if one created meanwhile vanished before it was dumped.
    const others = (await query<{ datname: string }>(cluster, 'postgres', `SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'`))
      .map((row) => row.datname)
      .filter((name) => name !== kept.name && name !== excluded.name);
    const excludeList = [excluded.name, ...others].map((name) => `      - ${name}`).join('\n');
    const dir = await profilesDir(
      'everything',
      `archives: single\nsteps:\n  - name: all\n    kind: full\n    databases: all\n    excludeDatabases:\n${excludeList}\n`,
    );
    let result: Backup | undefined;
    for (let attempt = 1; result === undefined; attempt++) {
      try {
        result = await backup(['everything', '--profiles-dir', dir], pgEnv(cluster, 'postgres'));
      } catch (error) {
        if (attempt >= 3 || !/does not exist/.test(String(error))) throw error;
      }
    }
    await expectSoundArchive(result, cluster, { profile: 'everything', database: 'postgres', origin: 'user' });
    const databases = result.manifest.steps.map((step) => step.database);
    expect(databases).toEqual(expect.arrayContaining(['postgres', kept.name]));
    expect(databases).not.toContain(excluded.name);
    expect(databases).not.toContain('template0');
    expect(databases).not.toContain('template1');
    const entries = result.manifest.steps.flatMap((step) => step.entries.map((entry) => entry.name));
    expect(entries).toContain(`all/${kept.name}.dump`);
    expect(entries).not.toContain(`all/${excluded.name}.dump`);
    expect(result.manifest.steps.find((step) => step.database === kept.name)?.rowCounts?.tables).toEqual({ 'public.notes': 3 });

    const restored = await restoreEntry(result, `all/${kept.name}.dump`, 'rt_all_target');
    expect(await snapshotDatabase(cluster, restored.name)).toEqual(await snapshotDatabase(cluster, kept.name));
  });

  it('expands ${VAR} in a profile from an --env-file that also supplies PGPASSWORD absent from the environment', async () => {
    const dir = await profilesDir(
      'fromenv',
      [
        'description: ${RT_DESCRIPTION:-from the environment}',
        'connection:',
        '  host: ${RT_HOST}',
        '  user: ${RT_USER}',
        '  database: ${RT_DATABASE}',
        'steps:',
        '  - name: ${RT_STEP:-main}',
        '    kind: full',
        '    format: custom',
        '',
      ].join('\n'),
    );
    const cwd = await makeTempDir('pgbak-cwd-');
    const envFile = join(cwd, 'secrets', 'backup.env');
    await mkdir(join(cwd, 'secrets'));
    await writeFile(
      envFile,
      [`RT_HOST=${cluster.host}`, `RT_USER=${cluster.user}`, `RT_DATABASE=${seeded.name}`, `PGPORT=${cluster.port}`, `PGPASSWORD='${cluster.password}'`, ''].join('\n'),
      { mode: 0o600 },
    );
    // Nothing PG* in the environment: everything comes from the profile and the file.
    const env = { RT_STEP: 'viaenv' };

    const withoutFile = await runCli(['run', 'fromenv', '--profiles-dir', dir, '--output-dir', join(cwd, 'out')], { env, cwd });
    expect(withoutFile.exitCode).toBe(2);
    expect(withoutFile.stderr).toMatch(/RT_HOST is not set/);

    const result = await backup(['fromenv', '--profiles-dir', dir, '--env-file', 'secrets/backup.env'], env, { cwd });
    await expectSoundArchive(result, cluster, { profile: 'fromenv', database: seeded.name, origin: 'user' });
    const [step] = result.manifest.steps;
    expect(step).toMatchObject({ name: 'viaenv', database: seeded.name, format: 'custom' });
    expect(step!.command).toEqual(expect.arrayContaining([`--host=${cluster.host}`, `--port=${cluster.port}`, `--username=${cluster.user}`]));
    const restored = await restoreEntry(result, step!.entries[0]!.name, 'rt_env_target');
    expect(await snapshotDatabase(cluster, restored.name)).toEqual(seededSnapshot);
  });
});
