// Optimizer statistics (profile `statistics: true`, pg_dump 18 --with-statistics) in the
// native engine. On PostgreSQL 18: a database of ANALYZEd and VACUUMed relations
// (statistics.sql) dumped with statistics, restored into a fresh database with either
// layout, has the same pg_class statistics and pg_stats rows as the source; a dump
// without the option writes none; a role that may only read (pg_read_all_data) writes
// the same statistics as a superuser. Before 18 the option is refused, nothing written.
import { readFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../../../support/cli.js';
import { getCluster, pgEnv, query, runMajors, type ClusterInfo, type TestDatabase } from '../../../support/db.js';
import { makeTempDir, removeTempDirs, runBackup, trackTestResources, type Backup } from '../../../support/restore-helpers.js';

const fixture = readFileSync(new URL('./statistics.sql', import.meta.url), 'utf8');
const schema = 'Stats "sch"';
const withStatistics = 'steps:\n  - kind: full\n    engine: native\n    statistics: true\n';
const withoutStatistics = 'steps:\n  - kind: full\n    engine: native\n';

async function profileFile(yaml: string): Promise<string> {
  const file = join(await makeTempDir('pgbak-stats-profile-'), 'stats.yaml');
  await writeFile(file, yaml);
  return file;
}

/** pg_class's statistics of every relation of the fixture's schema. */
async function relationStats(cluster: ClusterInfo, database: string) {
  return query(
    cluster,
    database,
    `SELECT c.relname, c.relkind::text, c.relpages, c.reltuples::text, c.relallvisible, c.relallfrozen
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'm', 'i', 'I') ORDER BY c.relname`,
    [schema],
  );
}

/** Every pg_stats row of the fixture's schema, each value as text. */
async function columnStats(cluster: ClusterInfo, database: string) {
  return query(
    cluster,
    database,
    `SELECT tablename::text, attname::text, inherited, null_frac::text, avg_width, n_distinct::text, most_common_vals::text,
            most_common_freqs::text, histogram_bounds::text, correlation::text, most_common_elems::text,
            most_common_elem_freqs::text, elem_count_histogram::text, range_length_histogram::text,
            range_empty_frac::text, range_bounds_histogram::text
       FROM pg_catalog.pg_stats WHERE schemaname = $1 ORDER BY tablename, attname, inherited`,
    [schema],
  );
}

/** Whether each extended statistics object of the schema holds data (ndistinct computed). */
async function extendedStatsData(cluster: ClusterInfo, database: string) {
  return query<{ name: string; has_data: boolean }>(
    cluster,
    database,
    `SELECT s.stxname AS name, EXISTS (SELECT FROM pg_catalog.pg_stats_ext e WHERE e.statistics_schemaname = $1 AND e.statistics_name = s.stxname AND e.n_distinct IS NOT NULL) AS has_data
       FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace WHERE n.nspname = $1`,
    [schema],
  );
}

/** The STATISTICS DATA entries of a native dump (header comment and calls). */
function statisticsEntries(text: string): string[] {
  return text.split(/(?=^--\n-- (?:Data for )?Name: )/m).filter((block) => /^-- Name: .*; Type: STATISTICS DATA;/m.test(block));
}

async function dumpText(backup: Backup): Promise<string> {
  const entries = backup.manifest.steps[0]!.entries.filter((e) => e.name.endsWith('.sql') && !e.name.endsWith('restore.sql'));
  const texts = await Promise.all(entries.map((e) => backup.reader.readText(e.name)));
  return texts.join('\n');
}

const majors = runMajors();
const from18 = majors.filter((m) => m >= 18);
const before18 = majors.filter((m) => m < 18);
// describe.each refuses an empty table: a run without such a major skips the block.
const describeFrom18 = from18.length > 0 ? describe.each(from18) : describe.skip.each([18]);
const describeBefore18 = before18.length > 0 ? describe.each(before18) : describe.skip.each([17]);

/** The run's cluster of that major; a skipped block (no such major in the run) never uses it. */
const clusterOf = (major: number): ClusterInfo => (majors.includes(major) ? getCluster(major) : (undefined as unknown as ClusterInfo));

describeFrom18('native statistics on PostgreSQL %i', (major) => {
  const cluster = clusterOf(major);
  const resources = trackTestResources(cluster);
  const role = `stats_reader_${process.pid}`;
  const password = `pw-${process.pid}`;
  const targets: string[] = [];
  let source: TestDatabase;
  let single: Backup;
  let split: Backup;
  let sourceRelations: Awaited<ReturnType<typeof relationStats>>;
  let sourceColumns: Awaited<ReturnType<typeof columnStats>>;

  const restoreInto = async (backup: Backup, name: string, extra: string[] = []) => {
    const target = `t_stats_${name}_${process.pid}`;
    targets.push(target);
    const restore = await runCli(['restore', backup.archive, '--target', target, '--create', ...extra], { env: pgEnv(cluster, 'postgres') });
    expect(restore.stderr).not.toContain('pgbak: error');
    expect(restore.exitCode).toBe(0);
    return target;
  };

  beforeAll(async () => {
    source = await resources.freshDatabase('stats');
    await query(cluster, source.name, fixture);
    // VACUUM too: relallvisible and relallfrozen that a restore's CREATE INDEX would reset to 0.
    await query(
      cluster,
      source.name,
      `VACUUM (FREEZE, ANALYZE) "Stats ""sch"""."Ta'ble ü", "Stats ""sch"""."mv ü", "Stats ""sch"""."parted", "Stats ""sch"""."inh parent", "Stats ""sch"""."inh child"`,
    );
    sourceRelations = await relationStats(cluster, source.name);
    sourceColumns = await columnStats(cluster, source.name);
    const env = pgEnv(cluster, source.name);
    const profile = await profileFile(withStatistics);
    single = resources.keep(await runBackup([profile], env));
    split = resources.keep(await runBackup([profile, '--layout', 'split', '--jobs', '2'], env));
  });
  afterAll(async () => {
    for (const name of targets) await query(cluster, 'postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${role}`);
    await resources.release();
  });

  it('reads a fixture whose statistics are worth restoring', () => {
    const byName = new Map(sourceRelations.map((r) => [r.relname as string, r]));
    expect(Number(byName.get("Ta'ble ü")!.relallvisible)).toBeGreaterThan(0);
    expect(Number(byName.get("Ta'ble ü")!.relallfrozen)).toBeGreaterThan(0);
    expect(byName.get('never analyzed')!.reltuples).toBe('-1');
    const tables = new Set(sourceColumns.map((c) => c.tablename));
    for (const name of ["Ta'ble ü", 'ix "expr"', 'mv ü', 'parted', 'parted 1', 'inh parent']) expect(tables).toContain(name);
    expect(sourceColumns.some((c) => c.tablename === 'inh parent' && c.inherited === true)).toBe(true);
    expect(sourceColumns.some((c) => c.range_bounds_histogram !== null && c.most_common_elems === null)).toBe(true);
    expect(sourceColumns.some((c) => c.most_common_elems !== null)).toBe(true);
  });

  it.each([
    ['single', () => single, [] as string[]],
    ['split', () => split, ['--jobs', '2']],
  ])('restores the same pg_class statistics and pg_stats rows (%s layout)', async (layout, backup, extra) => {
    const target = await restoreInto(backup(), layout, extra);
    expect(await relationStats(cluster, target)).toEqual(sourceRelations);
    expect(await columnStats(cluster, target)).toEqual(sourceColumns);
  });

  it('writes one STATISTICS DATA entry per table, partition, materialized view and index, after the refresh, in post-data.sql when split', async () => {
    const text = await dumpText(single);
    const names = statisticsEntries(text).map((block) => /^-- Name: (.*); Type: STATISTICS DATA;/m.exec(block)![1]);
    expect(names.sort()).toEqual(sourceRelations.map((r) => r.relname as string).sort());
    expect(text.indexOf('Type: STATISTICS DATA;')).toBeGreaterThan(text.indexOf('REFRESH MATERIALIZED VIEW'));
    // An index's columns by number: their names need not come back the same.
    expect(text).toMatch(/'relname', 'ix "expr"',\n\t'attnum', '1'::smallint/);
    // The manifest says the archive holds them.
    expect(single.manifest.steps[0]!.command).toEqual(['pgbak', 'native', '--jobs=1', '--with-statistics']);
    const splitEntries = split.manifest.steps[0]!.entries;
    for (const entry of splitEntries.filter((e) => e.role === 'data' || e.role === 'pre-data')) {
      expect(await split.reader.readText(entry.name)).not.toContain('pg_restore_');
    }
    const post = splitEntries.find((e) => e.role === 'post-data')!;
    expect(statisticsEntries(await split.reader.readText(post.name))).toEqual(statisticsEntries(text));
  });

  it('leaves the data of extended statistics out, as pg_dump 18 does', async () => {
    const target = targets[0]!;
    expect(await extendedStatsData(cluster, source.name)).toEqual([{ name: 'ext st', has_data: true }]);
    expect(await extendedStatsData(cluster, target)).toEqual([{ name: 'ext st', has_data: false }]);
  });

  it('verifies like any other backup (the scratch restore runs the statistics calls)', async () => {
    for (const backup of [single, split]) {
      const verify = await runCli(['verify', backup.archive, '--json'], { env: pgEnv(cluster, 'postgres') });
      expect(verify.stderr).not.toContain('pgbak: error');
      expect(verify.exitCode).toBe(0);
    }
  });

  it('writes, for kind tables, the statistics of the chosen tables and their indexes only (not of partitions left out)', async () => {
    // pg_dump -t picks a partitioned table without its partitions: their statistics must not be written either.
    const tables = `['"Stats ""sch""".parted', '"Stats ""sch"""."inh parent"']`;
    const profile = await profileFile(`steps:\n  - kind: tables\n    engine: native\n    statistics: true\n    tables: ${tables}\n`);
    const backup = resources.keep(await runBackup([profile], pgEnv(cluster, source.name)));
    const names = statisticsEntries(await dumpText(backup)).map((block) => /^-- Name: (.*); Type: STATISTICS DATA;/m.exec(block)![1]);
    expect(names.sort()).toEqual(['inh parent', 'parted', 'parted v']);
    const target = await restoreInto(backup, 'tables');
    expect(await relationStats(cluster, target)).toEqual(sourceRelations.filter((r) => names.includes(r.relname as string)));
  });

  it('writes no statistics without the option (pg_dump 18 dumps none by default)', async () => {
    const backup = resources.keep(await runBackup([await profileFile(withoutStatistics)], pgEnv(cluster, source.name)));
    const text = await dumpText(backup);
    expect(text).not.toContain('pg_restore_relation_stats');
    expect(text).not.toContain('STATISTICS DATA');
    expect(backup.manifest.steps[0]!.command).toEqual(['pgbak', 'native', '--jobs=1']);
    const target = await restoreInto(backup, 'none');
    expect(await columnStats(cluster, target)).toEqual([]);
  });

  it('writes the same statistics as a role that may only read (pg_read_all_data)', async () => {
    await query(cluster, 'postgres', `CREATE ROLE ${role} LOGIN PASSWORD '${password}' IN ROLE pg_read_all_data`);
    const env = { ...pgEnv(cluster, source.name), PGUSER: role, PGPASSWORD: password };
    const backup = resources.keep(await runBackup([await profileFile(withStatistics)], env));
    expect(statisticsEntries(await dumpText(backup))).toEqual(statisticsEntries(await dumpText(single)));
  });

  it('says which expression index statistics a role with only table grants cannot read, and restores the rest', async () => {
    // pg_stats shows an index's rows only to those who may read the index itself (its owner,
    // a superuser, pg_read_all_data): GRANT SELECT on the tables does not reach them, for pg_dump either.
    await query(cluster, source.name, `CREATE ROLE ${role}_plain LOGIN PASSWORD '${password}'; GRANT USAGE ON SCHEMA "Stats ""sch""" TO ${role}_plain;
      GRANT SELECT ON ALL TABLES IN SCHEMA "Stats ""sch""" TO ${role}_plain`);
    let target: string | undefined;
    try {
      const env = { ...pgEnv(cluster, source.name), PGUSER: `${role}_plain`, PGPASSWORD: password };
      const backup = resources.keep(await runBackup([await profileFile(withStatistics)], env));
      expect(backup.manifest.steps[0]!.warnings).toContain(
        'statistics of the expressions of index "Stats ""sch"""."ix ""expr""" are visible only to its owner, a superuser or pg_read_all_data: left out (ANALYZE its table after a restore)',
      );
      target = await restoreInto(backup, 'plain');
      expect(await relationStats(cluster, target)).toEqual(sourceRelations);
      expect(await columnStats(cluster, target)).toEqual(sourceColumns.filter((c) => c.tablename !== 'ix "expr"'));
    } finally {
      // The copy holds the role's grants too.
      if (target) await query(cluster, 'postgres', `DROP DATABASE IF EXISTS "${target}" WITH (FORCE)`);
      await query(cluster, source.name, `DROP OWNED BY ${role}_plain; DROP ROLE ${role}_plain`);
    }
  });
});

describeBefore18('native statistics on PostgreSQL %i', (major) => {
  const cluster = clusterOf(major);
  afterAll(removeTempDirs);

  it.each(['native', 'auto'])('refuses statistics: true with engine %s before dumping anything: exit 2, no archive, the log says why', async (engine) => {
    const profile = await profileFile(`steps:\n  - kind: full\n    engine: ${engine}\n    statistics: true\n`);
    const outputDir = await makeTempDir('pgbak-stats-out-');
    const cli = await runCli(['run', profile, '--output-dir', outputDir], { env: pgEnv(cluster, 'postgres') });
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr).toMatch(new RegExp(`steps\\[0\\]: statistics: true needs a PostgreSQL 18 server; this one is ${major}\\.`));
    expect(cli.stderr).toMatch(/hint: .*run ANALYZE after a restore/);
    const files = await readdir(outputDir);
    expect(files.filter((name) => !name.endsWith('.log'))).toEqual([]);
    expect(files).toHaveLength(1);
    expect(readFileSync(join(outputDir, files[0]!), 'utf8')).toContain('statistics: true needs a PostgreSQL 18 server');
  });
});
