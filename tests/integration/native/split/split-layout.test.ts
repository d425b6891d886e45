// The native engine's split layout (#12): pre-data, one COPY entry per table,
// post-data, toc.json and a top-level psql script. `pgbak restore --jobs N` loads
// it on N connections and must give the same database as the single-file layout;
// stock psql runs it after unzip; a failing table stops the restore, named.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, startCli } from '../../../support/cli.js';
import { getCluster, hasClientTools, pgEnv, query, type ClusterInfo, type TestDatabase } from '../../../support/db.js';
import { makeTempDir, psqlFile, runBackup, trackTestResources, type Backup } from '../../../support/restore-helpers.js';
import { seedDatabase, snapshotDatabase } from '../../../support/seed.js';
import { rewriteEntry } from '../../restore/tamper.js';

const describeWithTools = hasClientTools(['pg_dump', 'psql']) ? describe : describe.skip;

async function schemaOf(cluster: ClusterInfo, database: string): Promise<string> {
  const result = await execa('pg_dump', ['--schema-only', '--no-owner', '-d', database], { env: pgEnv(cluster, database), stdin: 'ignore' });
  // \restrict keys are random per run.
  return String(result.stdout).replace(/^\\(un)?restrict .*$/gm, '');
}

/** Whether every page of a table holding rows is all-frozen in the visibility map (COPY FREEZE sets it; a plain COPY does not). */
async function frozenPages(cluster: ClusterInfo, database: string, table: string): Promise<{ pages: number; frozen: boolean }> {
  await query(cluster, database, 'CREATE EXTENSION IF NOT EXISTS pg_visibility');
  const [row] = await query<{ pages: number; frozen: boolean }>(cluster, database, 'SELECT count(*)::int AS pages, bool_and(all_frozen) AS frozen FROM pg_visibility_map($1::regclass)', [table]);
  expect(row!.pages).toBeGreaterThan(0);
  return row!;
}

describeWithTools('native split layout on PostgreSQL 15', () => {
  const cluster = getCluster(15);
  const resources = trackTestResources(cluster);
  let source: TestDatabase;
  let split: Backup;
  let single: Backup;
  const targets: string[] = [];
  const target = (name: string) => {
    const full = `t_split_${name}_${process.pid}`;
    targets.push(full);
    return full;
  };

  beforeAll(async () => {
    source = await resources.freshDatabase('split');
    await seedDatabase(cluster, source.name);
    // A big referenced table and a small one that references it: loaded side by side, the
    // small one would finish first and fail its foreign key in a data-only restore.
    await query(cluster, source.name, `CREATE TABLE public.split_parent (id int PRIMARY KEY, pad text);
      INSERT INTO public.split_parent SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g;
      CREATE TABLE public.split_child (parent int REFERENCES public.split_parent);
      INSERT INTO public.split_child VALUES (19999), (20000);`);
    const env = pgEnv(cluster, source.name);
    // Read by two connections: the parallel dump writes the same parts.
    split = resources.keep(await runBackup(['full', '--engine', 'native', '--layout', 'split', '--jobs', '2'], env));
    single = resources.keep(await runBackup(['full', '--engine', 'native'], env));
  });
  afterAll(async () => {
    for (const name of targets) await query(cluster, 'postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await resources.release();
  });

  it('describes the parts in the manifest: roles, one data entry per table named as in the row counts', () => {
    const step = split.manifest.steps[0]!;
    expect(step.layout).toBe('split');
    expect(step.command).toContain('--layout=split');
    const roles = step.entries.map((e) => e.role);
    expect(roles[0]).toBe('pre-data');
    expect(roles.slice(-3)).toEqual(['post-data', 'toc', 'script']);
    const tables = step.entries.filter((e) => e.role === 'data' && e.table !== undefined).map((e) => e.table!);
    expect(tables.sort()).toEqual(Object.keys(step.rowCounts!.tables).sort());
    for (const entry of step.entries) expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(single.manifest.steps[0]!.layout).toBeUndefined();
  });

  it.each([1, 2])('restores with --jobs %i to the same database as the single-file layout', async (jobs) => {
    const fromSplit = target(`j${jobs}`);
    const fromSingle = target(`single${jobs}`);
    const env = pgEnv(cluster, 'postgres');
    const restore = await runCli(['restore', split.archive, '--target', fromSplit, '--create', '--jobs', String(jobs)], { env });
    expect(restore.stderr).not.toContain('pgbak: error');
    expect(restore.exitCode).toBe(0);
    if (jobs > 1) expect(restore.stderr).toMatch(/--jobs 2: a parallel restore of a split native dump commits each table and item on its own/);
    const plain = await runCli(['restore', single.archive, '--target', fromSingle, '--create'], { env });
    expect(plain.exitCode).toBe(0);
    expect(await snapshotDatabase(cluster, fromSplit)).toEqual(await snapshotDatabase(cluster, source.name));
    expect(await snapshotDatabase(cluster, fromSplit)).toEqual(await snapshotDatabase(cluster, fromSingle));
    expect(await schemaOf(cluster, fromSplit)).toBe(await schemaOf(cluster, source.name));
    const compare = await runCli(['compare', '--s-db', source.name, '--t-db', fromSplit], { env });
    expect(compare.exitCode).toBe(0);
  });

  it.each([1, 2])('loads the rows of the tables it created frozen under --jobs %i (COPY FREEZE into the table emptied in the same transaction)', async (jobs) => {
    const name = target(`frozen${jobs}`);
    const restore = await runCli(['restore', split.archive, '--target', name, '--create', '--jobs', String(jobs)], { env: pgEnv(cluster, 'postgres') });
    expect(restore.exitCode).toBe(0);
    expect(await snapshotDatabase(cluster, name)).toEqual(await snapshotDatabase(cluster, source.name));
    expect(await frozenPages(cluster, name, 'public.split_parent')).toEqual({ pages: expect.any(Number), frozen: true });
  });

  it('copies FREEZE where transactions default to repeatable read too (COPY FREEZE tolerates the transaction snapshot)', async () => {
    const name = target('repeatable');
    await query(cluster, 'postgres', `CREATE DATABASE "${name}"`);
    await query(cluster, 'postgres', `ALTER DATABASE "${name}" SET default_transaction_isolation = 'repeatable read'`);
    const restore = await runCli(['restore', split.archive, '--target', name, '--jobs', '2'], { env: pgEnv(cluster, 'postgres') });
    expect(restore.stderr).not.toContain('pgbak: error');
    expect(restore.exitCode).toBe(0);
    expect(await snapshotDatabase(cluster, name)).toEqual(await snapshotDatabase(cluster, source.name));
    expect(await frozenPages(cluster, name, 'public.split_parent')).toEqual({ pages: expect.any(Number), frozen: true });
  });

  it('verifies like any other backup, in parallel with --jobs', async () => {
    const verify = await runCli(['verify', split.archive, '--json', '--jobs', '2'], { env: pgEnv(cluster, 'postgres') });
    expect(verify.stderr).not.toContain('pgbak: error');
    expect(verify.exitCode).toBe(0);
  });

  it('restores with stock psql after unzip, through the top-level script', async () => {
    const dir = await makeTempDir('pgbak-split-unzip-');
    await execa('unzip', ['-q', split.archive, '-d', dir]);
    const name = target('psql');
    await query(cluster, 'postgres', `CREATE DATABASE "${name}"`);
    const script = split.manifest.steps[0]!.entries.find((e) => e.role === 'script')!.name;
    // From another folder: the script includes its parts relative to itself (\ir).
    await psqlFile(cluster, name, join(dir, script));
    expect(await snapshotDatabase(cluster, name)).toEqual(await snapshotDatabase(cluster, source.name));
  });

  it('restores the whole step when its top-level script is named: pgbak loads the parts, psql never runs the script', async () => {
    // Restoring the step (any of its entries named) loads the parts with pgbak's loader instead.
    const script = split.manifest.steps[0]!.entries.find((e) => e.role === 'script')!.name;
    const dry = await runCli(['restore', split.archive, '--entry', script, '--target', target('dry'), '--dry-run', '--json'], { env: pgEnv(cluster, 'postgres') });
    expect(dry.exitCode).toBe(0);
    const commands = (JSON.parse(dry.stdout) as { commands: { loader?: { jobs?: number }; stdin: string | null }[] }).commands;
    expect(commands).toHaveLength(1);
    expect(commands[0]!.loader?.jobs).toBe(1);
    expect(commands[0]!.stdin).toMatch(/\* \(split layout\)$/);
  });

  it('stops at a table whose rows fail to load: exit 1, the table named, every connection closed', async () => {
    const step = split.manifest.steps[0]!;
    const data = step.entries.find((e) => e.role === 'data' && e.table !== undefined && e.bytes > 200)!;
    // A row with one column too many, in an archive whose manifest still matches.
    const broken = await rewriteEntry(split.archive, data.name, (text) => text.replace(/FROM stdin;\n/, 'FROM stdin;\nnot\ta\trow\twith\ttoo\tmany\tcolumns\tx\ty\tz\tq\tr\ts\n'), true);
    const name = target('broken');
    const restore = await runCli(['restore', broken, '--target', name, '--create', '--jobs', '2'], { env: pgEnv(cluster, 'postgres') });
    expect(restore.exitCode).toBe(1);
    expect(restore.stderr).toContain(`stopped at table ${data.table} (${data.name})`);
    expect(restore.stderr).toMatch(/partly restored/);
    // No statement of the restore still runs once it exited (every load was cancelled, not
    // left to run on): a backend may still be on its way out of a closed session for a few
    // milliseconds (the server ends it asynchronously), but never active.
    const sessions = () => query<{ state: string | null; query: string }>(cluster, 'postgres', `SELECT state, query FROM pg_stat_activity WHERE datname = '${name}'`);
    expect((await sessions()).filter((s) => s.state === 'active')).toEqual([]);
    const deadline = Date.now() + 5_000;
    let left = await sessions();
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = await sessions();
    }
    expect(left).toEqual([]);
  });

  describe('a table entry altered after it was written (its sha256 is checked while it loads)', () => {
    const parentPart = () => split.manifest.steps[0]!.entries.find((e) => e.table === 'public.split_parent')!;
    // The first row's padding changed, same size: only the sha256 can tell.
    const alter = (text: string) => text.replace(/\n1\tx/, '\n1\ty');
    const sessionsOn = async (name: string) => (await query<{ n: string }>(cluster, 'postgres', `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = '${name}'`))[0]!.n;
    const errorOf = (stdout: string) => (JSON.parse(stdout) as { error: { code: string; message: string; hint?: string } }).error;

    it('refuses it with exit 3 (ARCHIVE_TAMPERED) under --jobs 2: none of its rows committed, every connection closed', async () => {
      const altered = await rewriteEntry(split.archive, parentPart().name, alter, false);
      const name = target('altered2');
      await query(cluster, 'postgres', `CREATE DATABASE "${name}"`);
      const restore = await runCli(['restore', altered, '--target', name, '--jobs', '2', '--json'], { env: pgEnv(cluster, 'postgres') });
      expect(restore.exitCode).toBe(3);
      const error = errorOf(restore.stdout);
      expect(error.code).toBe('ARCHIVE_TAMPERED');
      expect(error.message).toContain(`${parentPart().name} does not match the manifest: digest mismatch`);
      expect(error.message).toContain('nothing of that table was committed');
      expect(error.hint).toMatch(new RegExp(`drop "${name}"`));
      // The schema was committed before the table's rows were read; not one of them was.
      expect((await query<{ n: string }>(cluster, name, 'SELECT count(*)::text AS n FROM public.split_parent'))[0]!.n).toBe('0');
      expect(await sessionsOn(name)).toBe('0');
    });

    it('refuses it with exit 3 under --jobs 1: the one transaction rolled back, nothing restored', async () => {
      const altered = await rewriteEntry(split.archive, parentPart().name, alter, false);
      const name = target('altered1');
      await query(cluster, 'postgres', `CREATE DATABASE "${name}"`);
      const restore = await runCli(['restore', altered, '--target', name, '--json'], { env: pgEnv(cluster, 'postgres') });
      expect(restore.exitCode).toBe(3);
      expect(errorOf(restore.stdout)).toMatchObject({ code: 'ARCHIVE_TAMPERED', message: expect.stringContaining('rolled back, nothing was restored') });
      expect(await query(cluster, name, "SELECT 1 FROM pg_class WHERE relnamespace = 'public'::regnamespace")).toHaveLength(0);
    });

    it('drops the target it created (--create): nothing of the altered archive is left', async () => {
      const altered = await rewriteEntry(split.archive, parentPart().name, alter, false);
      const name = target('altered_create');
      const restore = await runCli(['restore', altered, '--target', name, '--create', '--jobs', '2', '--json'], { env: pgEnv(cluster, 'postgres') });
      expect(restore.exitCode).toBe(3);
      const error = errorOf(restore.stdout);
      expect(error.code).toBe('ARCHIVE_TAMPERED');
      expect(error.hint).toContain(`"${name}", created by this restore, was dropped: nothing was restored`);
      expect(await query(cluster, 'postgres', `SELECT 1 FROM pg_database WHERE datname = '${name}'`)).toHaveLength(0);
    });

    it('refuses one whose recorded size is not the size in the zip before anything touches the server', async () => {
      // The manifest fixed for the content but the entry cut short: the zip's directory says so without a read.
      const cut = await rewriteEntry(split.archive, parentPart().name, (text) => text.slice(0, text.length - 1000), false);
      const name = target('cut');
      const restore = await runCli(['restore', cut, '--target', name, '--create', '--jobs', '2', '--json'], { env: pgEnv(cluster, 'postgres') });
      expect(restore.exitCode).toBe(1);
      expect(errorOf(restore.stdout).message).toMatch(new RegExp(`entries do not match the manifest: ${parentPart().name.replace(/[.]/g, '\\.')}: size mismatch`));
      expect(await query(cluster, 'postgres', `SELECT 1 FROM pg_database WHERE datname = '${name}'`)).toHaveLength(0);
    });

    it.each([
      ['its manifest record left as it was: exit 3', false, 3, 'ARCHIVE_TAMPERED'],
      ['its manifest record rewritten to match: exit 1', true, 1, 'ARCHIVE_INVALID'],
    ])('never runs a statement slipped into a table\'s part (%s)', async (_what, fixManifest, exitCode, code) => {
      const file = `/tmp/pgbak-inj-${process.pid}-${fixManifest ? 'f' : 'a'}`;
      // The role may write server files: run as it is, the statement would leave the file behind.
      const control = `${file}-control`;
      await query(cluster, 'postgres', `COPY (SELECT 'control') TO '${control}'`);
      expect(existsSync(control)).toBe(true);
      // In place of the comment line before the COPY, same size: only the sha256 can tell.
      const inject = (text: string) => {
        const line = /-- Data for Name: [^\n]*/.exec(text)![0];
        const sql = `COPY (SELECT 'injected') TO '${file}';`;
        expect(sql.length).toBeLessThanOrEqual(line.length);
        return text.replace(line, sql.padEnd(line.length, ' '));
      };
      const injected = await rewriteEntry(split.archive, parentPart().name, inject, fixManifest);
      const name = target(`injected_${fixManifest ? 'fixed' : 'altered'}`);
      await query(cluster, 'postgres', `CREATE DATABASE "${name}"`);
      const restore = await runCli(['restore', injected, '--target', name, '--jobs', '2', '--json'], { env: pgEnv(cluster, 'postgres') });
      expect(restore.exitCode).toBe(exitCode);
      const error = errorOf(restore.stdout);
      expect(error.code).toBe(code);
      if (fixManifest) expect(error.message).toMatch(/holds at line \d+ what the native engine never writes there \("COPY \(SELECT 'injected'\) TO/);
      expect(existsSync(file)).toBe(false);
      expect((await query<{ n: string }>(cluster, name, 'SELECT count(*)::text AS n FROM public.split_parent'))[0]!.n).toBe('0');
      await rm(control, { force: true });
    });
  });

  it('stops every connection when interrupted (SIGINT): exit 130, no session left on the target', async () => {
    const step = split.manifest.steps[0]!;
    const data = step.entries.find((e) => e.table === 'public.split_parent')!;
    // A million more rows: long enough a load to be interrupted in the middle.
    const more = Array.from({ length: 1_000_000 }, (_, i) => `${20_001 + i}\tx\n`).join('');
    const slow = await rewriteEntry(split.archive, data.name, (text) => text.replace(/FROM stdin;\n/, `FROM stdin;\n${more}`), true);
    const name = target('sigint');
    const restore = startCli(['restore', slow, '--target', name, '--create', '--jobs', '2', '--verbose'], { env: pgEnv(cluster, 'postgres') });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      restore.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('loading table public.split_parent')) resolve();
      });
      void restore.then(() => reject(new Error(`the restore ended before it was interrupted:\n${stderr}`)));
    });
    restore.kill('SIGINT');
    const result = await restore;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toMatch(/interrupted/);
    let sessions = '1';
    for (let i = 0; i < 50 && sessions !== '0'; i++) {
      sessions = (await query<{ n: string }>(cluster, 'postgres', `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = '${name}'`))[0]!.n;
      if (sessions !== '0') await new Promise((r) => setTimeout(r, 100));
    }
    expect(sessions).toBe('0');
  });

  it('loads a data-only split dump into a schema whose foreign keys are in force, referenced tables first', async () => {
    const dataOnly = resources.keep(await runBackup(['data-only', '--engine', 'native', '--layout', 'split'], pgEnv(cluster, source.name)));
    const name = target('dataonly');
    await query(cluster, 'postgres', `CREATE DATABASE "${name}"`);
    const schema = await execa('pg_dump', ['--schema-only', '-d', source.name], { env: pgEnv(cluster, source.name), stdin: 'ignore' });
    await execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', name], { env: pgEnv(cluster, name), input: String(schema.stdout) });
    const restore = await runCli(['restore', dataOnly.archive, '--target', name, '--force', '--jobs', '2'], { env: pgEnv(cluster, 'postgres') });
    expect(restore.stderr).not.toContain('pgbak: error');
    expect(restore.exitCode).toBe(0);
    // A data-only dump refreshes no materialized view (pg_dump's neither): the snapshot reads them.
    const views = await query<{ sql: string }>(cluster, name, "SELECT format('REFRESH MATERIALIZED VIEW %I.%I', schemaname, matviewname) AS sql FROM pg_matviews");
    for (const view of views) await query(cluster, name, view.sql);
    expect(await snapshotDatabase(cluster, name)).toEqual(await snapshotDatabase(cluster, source.name));
    // Tables that were there before are neither emptied nor copied FREEZE: their rows load as written.
    expect(await frozenPages(cluster, name, 'public.split_parent')).toEqual({ pages: expect.any(Number), frozen: false });
  });

  it('restores a single-file native dump with --jobs serially, saying so', async () => {
    const restore = await runCli(['restore', single.archive, '--target', target('serial'), '--create', '--jobs', '2'], { env: pgEnv(cluster, 'postgres') });
    expect(restore.exitCode).toBe(0);
    expect(restore.stderr).toMatch(/a single-file native dump is one script, restored serially; back up with layout: split/);
  });

  it('refuses layout split for a step pg_dump runs: exit 2', async () => {
    const run = await runCli(['run', 'full', '--engine', 'pg_dump', '--layout', 'split', '--output-dir', await makeTempDir()], { env: pgEnv(cluster, source.name) });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/layout: split is written by the native engine only/);
  });
});
