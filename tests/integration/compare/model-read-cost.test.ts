// What a schema model read costs the server: with many small databases, every
// query is parsed and planned afresh in a new session, so the read sends no query
// whose answer no entry would use, and plans its joins in the order written.
// What the model holds is checked elsewhere (inspect.test.ts, kinds/); these tests
// guard the cost.
import pg from 'pg';
import { inspectDatabase } from '../../../lib/compare/inspect.js';
import type { QueryClient } from '../../../lib/db/client.js';
import { configureDumpSession } from '../../../lib/engines/native/index.js';
import { createTestDatabase, getCluster, withClient, type TestDatabase } from '../../support/db.js';

const cluster = getCluster(15);
const databases: TestDatabase[] = [];

async function databaseWith(statements: string[]): Promise<TestDatabase> {
  const db = await createTestDatabase(cluster, 'model_cost');
  databases.push(db);
  await withClient(cluster, db.name, async (client) => {
    for (const statement of statements) await client.query(statement);
  });
  return db;
}

/** The model and every query text its read sent. */
async function modelWithQueries(db: TestDatabase) {
  return withClient(cluster, db.name, async (client: pg.Client) => {
    const sent: string[] = [];
    const recording: QueryClient = {
      query: (sql, params) => {
        sent.push(sql);
        return (client as unknown as QueryClient).query(sql, params);
      },
      end: () => client.end(),
    };
    const model = await inspectDatabase(recording, { database: db.name, schemas: null });
    return { model, sent };
  });
}

// The details queries (compare/inspect-details.ts), told apart from the readers' by what they select.
const details = {
  enumLabels: 'AS labels\n       FROM pg_catalog.pg_enum e',
  extensionVersions: 'SELECT extname, extversion FROM pg_catalog.pg_extension',
};
const asksFor = (sent: string[], marker: string) => sent.some((sql) => sql.includes(marker));

afterAll(async () => {
  for (const db of databases) await db.drop();
});

describe('a schema model read', () => {
  it('asks for no enum labels or extension versions when no entry is of their kind', async () => {
    const { model, sent } = await modelWithQueries(await databaseWith(['CREATE TABLE notes (id int PRIMARY KEY, body text)']));
    expect(model.objects.some((object) => object.kind === 'TYPE' || object.kind === 'EXTENSION' || object.kind === 'SEQUENCE')).toBe(false);
    expect(asksFor(sent, details.enumLabels)).toBe(false);
    expect(asksFor(sent, details.extensionVersions)).toBe(false);
    // The table still gets its columns.
    expect(model.objects.find((object) => object.id === 'TABLE "public"."notes"')!.columns!.map((column) => column.name)).toEqual(['id', 'body']);
  });

  it('reads them, and gives each entry its details, when such entries exist', async () => {
    const { model, sent } = await modelWithQueries(
      await databaseWith([
        "CREATE TYPE mood AS ENUM ('sad', 'ok')",
        'CREATE SEQUENCE ticket_no INCREMENT BY 5',
        'CREATE EXTENSION pg_trgm',
      ]),
    );
    for (const marker of Object.values(details)) expect(asksFor(sent, marker)).toBe(true);
    expect(model.objects.find((object) => object.id === 'TYPE "public"."mood"')!.details).toEqual({ labels: '["sad","ok"]' });
    expect(model.objects.find((object) => object.id === 'SEQUENCE "public"."ticket_no"')!.details).toMatchObject({ increment: 'INCREMENT BY 5' });
    expect(model.objects.find((object) => object.id === 'EXTENSION "pg_trgm"')!.details!.version).toMatch(/^\d/);
  });

  it("takes columns, table options, inline checks and sequence options from the readers' own answers: no query is sent twice", async () => {
    const { model, sent } = await modelWithQueries(
      await databaseWith([
        'CREATE TABLE parent (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz DEFAULT now(), CHECK (id > 0)) WITH (fillfactor = 70)',
        'CREATE UNLOGGED TABLE "Child" (extra text COLLATE "C") INHERITS (parent)',
        'CREATE SEQUENCE ticket_no INCREMENT BY 5',
      ]),
    );
    expect(sent.length).toBe(new Set(sent).size);
    // The details queries of before: a query of their own for each of these.
    expect(asksFor(sent, 'AS identity_column')).toBe(false);
    expect(asksFor(sent, 'AS access_method')).toBe(false);
    const table = (id: string) => model.objects.find((object) => object.id === id)!;
    expect(table('TABLE "public"."parent"').details).toEqual({ options: 'fillfactor=70', 'check constraint "parent_id_check"': 'CHECK ((id > 0))' });
    expect(table('TABLE "public"."Child"').details).toEqual({ persistence: 'UNLOGGED', inherits: 'public.parent' });
    expect(table('TABLE "public"."Child"').columns!.map((column) => [column.name, column.identity, column.default !== null, column.collation])).toEqual([
      ['id', null, false, null],
      ['at', null, true, null],
      ['extra', null, false, '"pg_catalog"."C"'],
    ]);
    expect(table('TABLE "public"."parent"').columns![0]).toMatchObject({ name: 'id', identity: 'ALWAYS', notNull: true });
    expect(table('SEQUENCE "public"."parent_id_seq"').details).toMatchObject({ 'identity of': 'public.parent ALTER COLUMN id' });
    expect(table('SEQUENCE "public"."ticket_no"').details).toMatchObject({ increment: 'INCREMENT BY 5', type: 'AS bigint' });
  });

  it('leaves the lookups of partitions, parents, foreign tables and referenced tables out of a database without any', async () => {
    const { model, sent } = await modelWithQueries(await databaseWith(['CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, at timestamptz DEFAULT now())', 'CREATE INDEX ON notes (at)']));
    // The presence query asks whether pg_inherits holds anything; no other query reads it.
    const readers = sent.filter((sql) => !sql.includes('AS pg_inherits'));
    for (const lookup of ['pg_catalog.pg_inherits', 'pg_catalog.pg_foreign_table', 'rk.conname', 'pg_catalog.pg_options_to_table']) {
      expect(readers.filter((sql) => sql.includes(lookup))).toEqual([]);
    }
    expect(model.objects.map((object) => object.id)).toContain('INDEX "public"."notes_at_idx"');
  });

  it('reads no dependencies for a database without entries', async () => {
    const { model, sent } = await modelWithQueries(await databaseWith([]));
    expect(model.objects).toEqual([]);
    // Nothing to order: pg_depend is not read.
    expect(sent.filter((sql) => sql.includes('SELECT DISTINCT d.classid::int8::text AS classid'))).toEqual([]);
  });
});

describe('the dump session (native dump and model read)', () => {
  it('plans joins in the order written, for its transaction only', async () => {
    await withClient(cluster, 'postgres', async (client) => {
      await client.query('BEGIN');
      await configureDumpSession(client as unknown as QueryClient);
      const inside = await client.query<{ j: string; f: string }>("SELECT current_setting('join_collapse_limit') AS j, current_setting('from_collapse_limit') AS f");
      expect(inside.rows[0]).toEqual({ j: '1', f: '1' });
      await client.query('ROLLBACK');
      const after = await client.query<{ j: string }>("SELECT current_setting('join_collapse_limit') AS j");
      expect(after.rows[0]!.j).toBe('8');
    });
  });
});
