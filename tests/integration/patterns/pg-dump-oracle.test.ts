// pgbak resolves --table / --schema patterns on the server by pg_dump's own rules
// (processSQLNamePattern); pg_dump 15 itself is the oracle: for each pattern, the
// relations pg_dump dumps (or its refusal) must be what resolveScope answers.
import { execa } from 'execa';
import pg from 'pg';
import type { QueryClient } from '../../../lib/db/client.js';
import { relationKey, resolveScope } from '../../../lib/db/resolve-scope.js';
import type { TableScope } from '../../../lib/plan/types.js';
import { connectionInfo, createTestDatabase, getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';

const cluster = getCluster(15);
const describeWithTools = hasClientTools(['pg_dump']) ? describe : describe.skip;
let db: TestDatabase;

const noScope: TableScope = { schemas: [], excludeSchemas: [], tables: [], excludeTables: [], excludeTableData: [] };

beforeAll(async () => {
  db = await createTestDatabase(cluster, 'patterns_oracle');
  await query(
    cluster,
    db.name,
    `CREATE TABLE public.plain (i int);
     CREATE TABLE public.plaix (i int);
     CREATE TABLE public."plai[n]" (i int);
     CREATE TABLE public."Mixed" (i int);
     CREATE TABLE public."a""b" (i int);
     CREATE TABLE public.ab (i int);
     CREATE TABLE public."x.y" (i int);
     CREATE TABLE public."$x" (i int);
     CREATE TABLE public."a|b" (i int);
     CREATE TABLE public.a (i int);
     CREATE TABLE public.b (i int);
     CREATE VIEW public.v AS SELECT 1 AS one;
     CREATE MATERIALIZED VIEW public.mv AS SELECT 1 AS one;
     CREATE SEQUENCE public.sq;
     CREATE TABLE public.parted (i int) PARTITION BY RANGE (i);
     CREATE TABLE public.parted_1 PARTITION OF public.parted FOR VALUES FROM (0) TO (10);
     CREATE TYPE public.not_a_table AS (i int);
     CREATE SCHEMA s2; CREATE TABLE s2.t (i int); CREATE TABLE s2.plain (i int);
     CREATE SCHEMA "S.x"; CREATE TABLE "S.x".t (i int);
     CREATE SCHEMA sx; CREATE TABLE sx.u (i int);
     CREATE SCHEMA hidden; CREATE TABLE hidden.only_here (i int);`,
  );
  // pg_dump RESETs search_path before matching an unqualified pattern: the
  // database's default path decides what is visible, and s2 is on it.
  await query(cluster, db.name, `ALTER DATABASE ${pg.escapeIdentifier(db.name)} SET search_path = public, s2`);
});

afterAll(async () => {
  await db.drop();
});

type Outcome = { refused: string } | { relations: string[] };

/** What pg_dump 15 makes of one pattern option: the relations it dumps, or its error. */
async function pgDumpSays(option: string, pattern: string): Promise<Outcome> {
  const result = await execa('pg_dump', ['--schema-only', '--strict-names', `${option}=${pattern}`], {
    env: pgEnv(cluster, db.name),
    reject: false,
  });
  if (result.exitCode !== 0) return { refused: /pg_dump: error: (.*)/.exec(result.stderr)?.[1] ?? result.stderr };
  const relations = [...result.stdout.matchAll(/^-- Name: (.*); Type: (?:TABLE|VIEW|SEQUENCE|MATERIALIZED VIEW|FOREIGN TABLE); Schema: (.*); Owner:/gm)].map(
    (m) => `${m[2]}.${m[1]}`,
  );
  return { relations: relations.sort() };
}

/** What pgbak's resolution makes of the same pattern. */
async function pgbakSays(scope: Partial<TableScope>, invert: boolean): Promise<Outcome> {
  const client = new pg.Client(connectionInfo(cluster, db.name));
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const resolved = await resolveScope(client as unknown as QueryClient, { ...noScope, ...scope }, 15);
    const all = await relationsIn(client);
    const chosen = scope.tables ? resolved.tables! : scope.excludeTables ? resolved.excludedTables : null;
    let names: string[];
    if (chosen) names = all.filter(([s, n]) => chosen.has(relationKey(s, n)) !== invert).map(([s, n]) => `${s}.${n}`);
    else names = all.filter(([s]) => resolved.schemas!.has(s)).map(([s, n]) => `${s}.${n}`);
    return { relations: names.sort() };
  } catch (error) {
    return { refused: (error as Error).message };
  } finally {
    await client.end();
  }
}

async function relationsIn(client: pg.Client): Promise<Array<[string, string]>> {
  const { rows } = await client.query<{ s: string; n: string }>(
    `SELECT n.nspname AS s, c.relname AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'`,
  );
  return rows.map((row) => [row.s, row.n]);
}

const tablePatterns = [
  'plain',
  'plai[n]',
  '"plai[n]"',
  'plai?',
  'PLAIN',
  'Mixed',
  '"Mixed"',
  'a"b',
  '"a""b"',
  '$(touch /tmp/pgbak-pattern-x)',
  '$x',
  'a|b',
  '"a|b"',
  '(a)+',
  'pla{1}in',
  '"x.y"',
  'x.y',
  's2.*',
  '*.t',
  '"S.x".t',
  'S.x.t',
  'only_here',
  'hidden.only_here',
  'v',
  'mv',
  'sq',
  'parted*',
  'not_a_table',
  '.plain',
  'public.',
  '[]',
  'a.b.c.d',
  'other_db.public.plain',
  'pla\\w+',
];

describeWithTools('table patterns, with pg_dump 15 as the oracle', () => {
  it.each(tablePatterns)('--table=%s selects what pg_dump selects, or is refused as pg_dump refuses it', async (pattern) => {
    const expected = await pgDumpSays('--table', pattern);
    const actual = await pgbakSays({ tables: [pattern] }, false);
    expect(actual).toEqual(expected);
  });

  it('accepts db.schema.name when db is the database being dumped', async () => {
    const pattern = `${db.name}.public.plain`;
    expect(await pgbakSays({ tables: [pattern] }, false)).toEqual(await pgDumpSays('--table', pattern));
    expect(await pgbakSays({ tables: [pattern] }, false)).toEqual({ relations: ['public.plain'] });
  });

  it.each(['plai[n]', 'a|b', '"plai[n]"', 'nothing_at_all', 's2.*'])('--exclude-table=%s leaves out what pg_dump leaves out', async (pattern) => {
    const dumped = await pgDumpSays('--exclude-table', pattern);
    expect(await pgbakSays({ excludeTables: [pattern] }, true)).toEqual(dumped);
  });

  it('refuses a malformed regular expression, as pg_dump does', async () => {
    expect(await pgDumpSays('--table', 'a(b')).toEqual({ refused: expect.stringMatching(/invalid regular expression/) });
    expect(await pgbakSays({ tables: ['a(b'] }, false)).toEqual({ refused: expect.stringMatching(/^invalid pattern "a\(b": invalid regular expression/) });
    expect(await pgbakSays({ excludeTables: ['x[y'] }, false)).toEqual({ refused: expect.stringMatching(/invalid regular expression/) });
  });
});

describeWithTools('schema patterns, with pg_dump 15 as the oracle', () => {
  it.each(['s2', 's(2|x)', 'S*', '"S.x"', 'S.x', 'a.b.c', 'nosuch', 'public'])('--schema=%s selects what pg_dump selects', async (pattern) => {
    const expected = await pgDumpSays('--schema', pattern);
    const actual = await pgbakSays({ schemas: [pattern] }, false);
    if ('relations' in expected && 'relations' in actual) {
      // pg_dump -n dumps the schema's relations; the resolution names schemas.
      expect(actual.relations).toEqual(expected.relations);
    } else expect(actual).toEqual(expected);
  });
});
