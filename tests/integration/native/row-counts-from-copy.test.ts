// Exact row counts of a native step come from the dump's own COPYs (`COPY n`, in
// the dump's snapshot) instead of a second scan of every table with count(*):
// the manifest must hold exactly what count(*) says, whatever the rows hold,
// with jobs 1 and 2 and in the split layout; tables the dump did not read are
// still counted, and what the role cannot read is null with one warning.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openZip, parseManifest } from '../../../lib/archive/index.js';
import { completeRowCounts, readDataFacts } from '../../../lib/db/row-counts.js';
import { createScopeFilter } from '../../../lib/db/table-scope.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, withClient, type TestDatabase } from '../../support/db.js';

const cluster = getCluster(15);
let db: TestDatabase;
let dir: string;
const role = `rc_copy_${randomBytes(3).toString('hex')}`;

// Rows whose text holds newlines, carriage returns, tabs and backslashes (COPY escapes
// them; a line count of the data would go wrong on raw ones), an empty table, a
// partitioned table with an empty partition and a sub-partitioned one, an inheritance
// parent with rows of its own and a child's (ONLY: each counts its own), a table
// without columns, and one the backup role may not read.
const SEED = String.raw`
  CREATE TABLE public.escapes (id int, v text);
  INSERT INTO public.escapes VALUES (1, E'two\nlines'), (2, E'back\\slash'), (3, E'tab\there'), (4, E'cr\rlf\r\n'),
    (5, ''), (6, NULL), (7, E'\\.'), (8, E'\n\\.\n');
  CREATE TABLE public.empty (id int);
  CREATE TABLE public.measure (at date NOT NULL, v int) PARTITION BY RANGE (at);
  CREATE TABLE public.measure_2024 PARTITION OF public.measure FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE public.measure_2025 PARTITION OF public.measure FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (v);
  CREATE TABLE public.measure_2025_small PARTITION OF public.measure_2025 FOR VALUES IN (1, 2, 3);
  CREATE TABLE public.measure_2025_other PARTITION OF public.measure_2025 DEFAULT;
  CREATE TABLE public.measure_none PARTITION OF public.measure FOR VALUES FROM ('2030-01-01') TO ('2031-01-01');
  INSERT INTO public.measure SELECT date '2024-01-01' + g, g % 5 FROM generate_series(0, 500) g;
  CREATE TABLE public.parent (id int);
  CREATE TABLE public.child (extra text) INHERITS (public.parent);
  INSERT INTO public.parent SELECT g FROM generate_series(1, 40) g;
  INSERT INTO public.child SELECT g, 'c' FROM generate_series(1, 15) g;
  CREATE TABLE public.nocolumns ();
  INSERT INTO public.nocolumns DEFAULT VALUES; INSERT INTO public.nocolumns DEFAULT VALUES;
  CREATE TABLE public.big (id int, pad text);
  INSERT INTO public.big SELECT g, repeat('x', g % 200) FROM generate_series(1, 30000) g;
  CREATE TABLE public.secret (id int);
  INSERT INTO public.secret VALUES (1);`;

beforeAll(async () => {
  db = await createTestDatabase(cluster, 'rc_copy');
  await query(cluster, db.name, SEED);
  await query(cluster, 'postgres', `CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
  await query(cluster, db.name, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}; REVOKE SELECT ON public.secret FROM ${role}`);
  dir = await mkdtemp(path.join(os.tmpdir(), 'pgbak-rc-copy-'));
});

afterAll(async () => {
  await db?.drop();
  await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${role}`);
  await rm(dir, { recursive: true, force: true });
});

/** count(*) of every leaf table, each of its own rows only, as the manifest keys them. */
async function countedByServer(): Promise<Record<string, number>> {
  const rows = await query<{ name: string }>(cluster, db.name, `
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'secret' ORDER BY 1`);
  const out: Record<string, number> = {};
  for (const { name } of rows) {
    const [row] = await query<{ n: string }>(cluster, db.name, `SELECT count(*)::text AS n FROM ONLY public.${pg.escapeIdentifier(name)}`);
    out[`public.${name}`] = Number(row!.n);
  }
  return out;
}

async function backup(name: string, profile: string) {
  const profiles = path.join(dir, name);
  await mkdir(path.join(profiles, 'profiles'), { recursive: true });
  await writeFile(path.join(profiles, 'profiles', 'p.yaml'), profile);
  const run = await runCli(['run', 'p', '--output-dir', path.join(profiles, 'out'), '--json'], {
    env: { ...pgEnv(cluster, db.name), PGUSER: role, PGPASSWORD: 'pw' },
    cwd: profiles,
  });
  expect(run.stderr).not.toContain('pgbak: error');
  expect(run.exitCode).toBe(0);
  const { archive, log } = JSON.parse(run.stdout) as { archive: string; log: string };
  const zip = await openZip(archive);
  try {
    return { run, manifest: parseManifest(await zip.readText('manifest.json')), log: await readFile(log, 'utf8') };
  } finally {
    zip.close();
  }
}

describe.each([
  ['jobs 1', 'steps:\n  - kind: full\n    engine: native\n    skipUnreadable: true\n'],
  ['jobs 2', 'steps:\n  - kind: full\n    engine: native\n    jobs: 2\n    skipUnreadable: true\n'],
  ['the split layout', 'steps:\n  - kind: full\n    engine: native\n    layout: split\n    jobs: 2\n    skipUnreadable: true\n'],
  ['a step of some tables', 'steps:\n  - kind: tables\n    engine: native\n    tables: [public.escapes, public.empty, public.measure*]\n    skipUnreadable: true\n'],
])('a native dump with %s', (name, profile) => {
  it('records exactly the count(*) of every table, taken from its COPY rather than a second scan', async () => {
    const { manifest, log, run } = await backup(name.replace(/\W+/g, '-'), profile);
    const step = manifest.steps[0]!;
    const expected = await countedByServer();
    const dumped = Object.keys(step.rowCounts!.tables).filter((table) => table !== 'public.secret');
    const wanted = Object.keys(expected).filter((table) => !name.startsWith('a step of') || /^public\.(escapes|empty|measure_)/.test(table));
    expect(dumped.sort()).toEqual(wanted.sort());
    for (const table of dumped) expect([table, step.rowCounts!.tables[table]]).toEqual([table, expected[table]]);
    expect(step.rowCounts!.mode).toBe('exact');
    if (!name.startsWith('a step of')) {
      expect(step.rowCounts!.tables['public.escapes']).toBe(8);
      expect(step.rowCounts!.tables['public.empty']).toBe(0);
      expect(step.rowCounts!.tables['public.measure_none']).toBe(0);
      expect(step.rowCounts!.tables['public.parent']).toBe(40);
      // Unreadable: null, and said once (as left out by the dump, not also as not counted).
      expect(step.rowCounts!.tables['public.secret']).toBeNull();
      expect(run.stderr.split('\n').filter((line) => line.includes('"public"."secret"'))).toHaveLength(1);
    }
    const counted = /exact row counts of (\d+) tables? from the dump's COPY, (\d+) counted with count\(\*\)/.exec(log);
    expect(counted).not.toBeNull();
    expect(Number(counted![1])).toBe(dumped.length);
    expect(Number(counted![2])).toBe(0);
  });
});

describe('completing deferred row counts (the library)', () => {
  it('counts with count(*), in the same snapshot, the tables the dump did not read', async () => {
    await withClient(cluster, db.name, async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      try {
        const facts = await readDataFacts(client, { filter: createScopeFilter(null), mode: 'exact', countLargeObjects: false, deferExact: true });
        expect(facts.uncounted!.length).toBeGreaterThan(5);
        // Rows added after the snapshot was taken are not in it.
        await query(cluster, db.name, 'INSERT INTO public.empty VALUES (1)');
        try {
          const complete = await completeRowCounts(client, facts, new Map([['public.big', 12345]]));
          expect(complete.uncounted).toBeUndefined();
          expect(complete.rowCounts!.tables['public.big']).toBe(12345);
          expect(complete.rowCounts!.tables['public.empty']).toBe(0);
          expect(complete.rowCounts!.tables['public.escapes']).toBe(8);
          expect(complete.rowCounts!.tables['public.measure_2024']).toBe(366);
        } finally {
          await query(cluster, db.name, 'DELETE FROM public.empty');
        }
      } finally {
        await client.query('ROLLBACK');
      }
    });
  });

  it('leaves facts read without deferring as they are', async () => {
    await withClient(cluster, db.name, async (client) => {
      const facts = await readDataFacts(client, { filter: createScopeFilter(null), mode: 'exact', countLargeObjects: false });
      expect(facts.uncounted).toBeUndefined();
      expect(await completeRowCounts(client, facts, new Map())).toEqual(facts);
      const estimated = await readDataFacts(client, { filter: createScopeFilter(null), mode: 'estimate', countLargeObjects: false, deferExact: true });
      expect(estimated.uncounted).toBeUndefined();
    });
  });
});

describe('counting with count(*)', () => {
  it('reads the catalog facts after the caller\'s SAVEPOINT in one round trip, and a failed read leaves the transaction usable after ROLLBACK TO it', async () => {
    await withClient(cluster, db.name, async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      try {
        const sent: string[] = [];
        let failNext = false;
        const watching = {
          async query(text: string, values?: unknown[]) {
            sent.push(text);
            // A read that fails on the server, in the same message as the SAVEPOINT.
            return client.query(failNext ? `${text}\n;\nSELECT 1/0` : text, values);
          },
        } as unknown as Parameters<typeof readDataFacts>[0];
        const facts = await readDataFacts(watching, { filter: createScopeFilter(null), mode: 'estimate', countLargeObjects: true, before: 'SAVEPOINT pgbak_facts' });
        // The tables, the sequences and the large objects: one query, after the SAVEPOINT.
        expect(sent[0]).toMatch(/^SAVEPOINT pgbak_facts\n;\n/);
        expect(sent[0]).toContain('pg_largeobject_metadata');
        expect(sent.filter((text) => text.includes('pg_catalog.pg_class'))).toHaveLength(1);
        expect(facts.largeObjects).toBe(0);
        expect(facts.rowCounts!.tables).toHaveProperty(['public.escapes']);
        failNext = true;
        await expect(readDataFacts(watching, { filter: createScopeFilter(null), mode: 'estimate', countLargeObjects: true, before: 'SAVEPOINT pgbak_facts' })).rejects.toThrow(/division by zero/);
        await client.query('ROLLBACK TO SAVEPOINT pgbak_facts');
        expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await client.query('ROLLBACK');
      }
    });
  });

  it('switches JIT off for the counts only (a batch of count(*)s over big tables is JIT-compiled for seconds) and back after', async () => {
    await withClient(cluster, db.name, async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      try {
        await client.query('SET LOCAL jit = on');
        // The server says, in each table's count row, the setting the count ran under (the
        // switch shares the counts' round trip, so asking before the query would not show it).
        const seen: string[] = [];
        const watching = {
          async query(text: string, values?: unknown[]) {
            const probed = text.replace(/count\(\*\)::text AS n FROM ONLY/g, "count(*)::text AS n, pg_catalog.current_setting('jit') AS jit_now FROM ONLY");
            const result = (await client.query(probed, values)) as unknown as { rows: Array<{ jit_now?: string }> } | Array<{ rows: Array<{ jit_now?: string }> }>;
            for (const each of Array.isArray(result) ? result : [result]) for (const row of each.rows) if (row.jit_now) seen.push(row.jit_now);
            return result;
          },
        } as unknown as Parameters<typeof readDataFacts>[0];
        const facts = await readDataFacts(watching, { filter: createScopeFilter(null), mode: 'exact', countLargeObjects: true });
        expect(facts.rowCounts!.tables['public.big']).toBe(30000);
        expect(seen.length).toBe(Object.keys(facts.rowCounts!.tables).length);
        expect(new Set(seen)).toEqual(new Set(['off']));
        expect((await client.query<{ jit: string }>("SELECT current_setting('jit') AS jit")).rows[0]!.jit).toBe('on');
      } finally {
        await client.query('ROLLBACK');
      }
    });
  });
});
