// Sequences are not transactional: with writers running during a backup, the
// value the manifest reads in the snapshot and the value the dump's setval sets
// are read a moment apart and differ. verify must compare the restored value with
// the dump's own (issue #9, item 3) — and still fail when a restore does not
// bring that value back.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { execa } from 'execa';
import pg from 'pg';
import type { Backup } from '../../support/restore-helpers.js';
import { connectionInfo, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { extractEntry, extractPrefix, makeTempDir, removeTempDirs } from '../../support/restore-helpers.js';
import { runCli } from '../../support/cli.js';
import { scanSequenceSets } from '../../../lib/restore/sequence-sets.js';
import { cluster, pgbak, testState, leftScratchDatabases } from './helpers.js';

jest.setTimeout(240_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const state = testState();
let busy: TestDatabase;

beforeAll(async () => {
  busy = await state.fresh('vf_busy');
  await query(
    cluster,
    busy.name,
    `CREATE TABLE public.ins (id serial PRIMARY KEY, v text NOT NULL);
     CREATE TABLE public.evt (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
     -- Enough rows that dumping them takes a while: the dump reads ins_id_seq after ins's
     -- rows (in name order), well after the run's facts read it, and the writers advance it
     -- in between. With 1,000 rows both reads could fall between two writer batches.
     INSERT INTO public.ins (v) SELECT 'seed' FROM generate_series(1, 200000);
     INSERT INTO public.evt DEFAULT VALUES;`,
  );
});

afterAll(async () => {
  await state.cleanUp();
  await removeTempDirs();
});

/** Runs `fn` while another connection inserts rows through nextval without pause (at most 3 minutes). */
async function withWriters<T>(database: string, fn: () => Promise<T>): Promise<{ value: T; batches: number }> {
  const client = new pg.Client(connectionInfo(cluster, database));
  await client.connect();
  let stop = false;
  const deadline = Date.now() + 180_000;
  const writing = (async () => {
    let batches = 0;
    while (!stop && Date.now() < deadline) {
      await client.query("INSERT INTO public.ins (v) SELECT 'busy' FROM generate_series(1, 20)");
      await client.query('INSERT INTO public.evt DEFAULT VALUES');
      batches++;
    }
    return batches;
  })();
  try {
    const value = await fn();
    stop = true;
    return { value, batches: await writing };
  } finally {
    stop = true;
    await writing.catch(() => undefined);
    await client.end();
  }
}

/** The value the dump's own setval gives `sequence`, read from the archive as pg_restore or psql would see it. */
async function dumpedValue(backup: Backup, sequence: string): Promise<string | undefined> {
  const step = backup.manifest.steps[0]!;
  if (step.dumpedSequences) return step.dumpedSequences[sequence]?.lastValue ?? undefined;
  const dir = await makeTempDir('pgbak-seq-');
  let script: Buffer;
  if (step.format === 'plain') {
    script = await readFile(await extractEntry(backup.reader, step.entries[0]!.name, join(dir, 'dump.sql')));
  } else {
    const input = step.format === 'directory' ? join(dir, 'dump') : join(dir, 'dump.bin');
    if (step.format === 'directory') await extractPrefix(backup.reader, `${step.entries[0]!.name.split('/').slice(0, -1).join('/')}/`, input);
    else await extractEntry(backup.reader, step.entries[0]!.name, input);
    script = Buffer.from((await execa('pg_restore', ['--file=-', input], { encoding: 'buffer', stdin: 'ignore' })).stdout);
  }
  return (await scanSequenceSets([script]))[sequence]?.lastValue;
}

describeWithTools('verify on a busy database', () => {
  it.each([
    ['pg_dump, plain', ['--format', 'plain']],
    ['pg_dump, custom', ['--format', 'custom']],
    ['pg_dump, directory', ['--format', 'directory']],
    ['pg_dump, tar', ['--format', 'tar']],
    ['native engine', ['--engine', 'native']],
  ])('run --verify passes while writers insert through nextval (%s)', async (_label, flags) => {
    const { value: backup, batches } = await withWriters(busy.name, () => state.backup(busy, ['full', ...flags, '--verify']));

    expect(batches).toBeGreaterThan(0);
    const summary = JSON.parse(backup.cli.stdout.trim().split('\n').pop()!) as { verify?: { ok: boolean; record: string } };
    expect(summary.verify).toMatchObject({ ok: true });
    const record = JSON.parse(await readFile(summary.verify!.record, 'utf8')) as { ok: boolean; outcome: string; mismatches: unknown[] };
    expect(record).toMatchObject({ ok: true, outcome: 'verified', mismatches: [] });
    // The race the old check lost did happen: the manifest's reading is not what the dump sets.
    const step = backup.manifest.steps[0]!;
    const snapshot = step.sequences!['public.ins_id_seq']!.lastValue;
    const dumped = await dumpedValue(backup, 'public.ins_id_seq');
    expect(dumped).toMatch(/^\d+$/);
    expect(dumped).not.toBe(snapshot);
    expect(await leftScratchDatabases()).toEqual([]);
  });
});

// A restore that leaves a sequence elsewhere than the dump set it: a materialized
// view whose query calls nextval is refreshed after the data (and so after the
// setval) — the restored sequence is 5 past the dump's value.
describeWithTools('verify of a sequence the restore moves', () => {
  let moved: TestDatabase;

  beforeAll(async () => {
    moved = await state.fresh('vf_moved');
    await query(
      cluster,
      moved.name,
      `CREATE TABLE public.items (id serial PRIMARY KEY, v text);
       INSERT INTO public.items (v) SELECT 'x' FROM generate_series(1, 10);
       CREATE SEQUENCE public.tick;
       SELECT setval('public.tick', 100);
       CREATE MATERIALIZED VIEW public.ticks AS SELECT nextval('public.tick') AS n FROM generate_series(1, 5);`,
    );
  });

  it.each([
    ['pg_dump, plain', ['--format', 'plain']],
    ['pg_dump, custom', ['--format', 'custom']],
    ['native engine', ['--engine', 'native']],
  ])('exits 3 naming the sequence, expecting the value the dump sets (%s)', async (_label, flags) => {
    const backup = await state.backup(moved, ['full', ...flags]);
    const current = (await query<{ last_value: string }>(cluster, moved.name, 'SELECT last_value::text AS last_value FROM public.tick'))[0]!.last_value;
    expect(await dumpedValue(backup, 'public.tick')).toBe(current);

    const result = await pgbak(['verify', backup.archive]);

    expect(result.exitCode).toBe(3);
    const found = String(Number(current) + 5);
    expect(result.stdout).toContain(`sequence\tpublic.tick\texpected ${current} (is_called true)\tfound ${found} (is_called true)`);
    const record = JSON.parse(await readFile(`${backup.archive}.verified.json`, 'utf8')) as { ok: boolean; outcome: string; mismatches: unknown[] };
    expect(record).toMatchObject({ ok: false, outcome: 'failed' });
    expect(record.mismatches).toEqual([
      { step: 'full', database: moved.name, check: 'sequence', object: 'public.tick', expected: `${current} (is_called true)`, found: `${found} (is_called true)` },
    ]);
    expect(await leftScratchDatabases()).toEqual([]);
  });
});

// run --verify sees the same: the scratch copy's sequence is not what the dump set.
describeWithTools('run --verify of a sequence the restore moves', () => {
  it('fails the run with exit 3', async () => {
    const moved = await state.fresh('vf_moved_run');
    await query(cluster, moved.name, "CREATE SEQUENCE public.tick; CREATE MATERIALIZED VIEW public.ticks AS SELECT nextval('public.tick') AS n FROM generate_series(1, 3);");
    const out = await makeTempDir('pgbak-out-');

    const result = await runCli(['run', 'full', '--format', 'custom', '--verify', '--output-dir', out], { env: pgEnv(cluster, moved.name) });

    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/sequence of public\.tick: expected 3 \(is_called true\), found 6 \(is_called true\)/);
  });
});
