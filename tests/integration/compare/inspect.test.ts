// The schema model of a live database, read by the native inspector.
import pg from 'pg';
import { inspectDatabase } from '../../../lib/compare/inspect.js';
import { diffModels } from '../../../lib/compare/diff.js';
import type { QueryClient } from '../../../lib/db/client.js';
import { createTestDatabase, getCluster, withClient, type TestDatabase } from '../../support/db.js';
import { baseStatements, reorderedStatements } from './seed.js';

const cluster = getCluster(15);
const databases: TestDatabase[] = [];

async function databaseWith(statements: string[]): Promise<TestDatabase> {
  const db = await createTestDatabase(cluster, 'compare');
  databases.push(db);
  await withClient(cluster, db.name, async (client) => {
    for (const statement of statements) await client.query(statement);
  });
  return db;
}

async function model(db: TestDatabase, schemas: string[] | null = null) {
  return withClient(cluster, db.name, (client: pg.Client) => inspectDatabase(client as unknown as QueryClient, { database: db.name, schemas }));
}

afterAll(async () => {
  for (const db of databases) await db.drop();
});

describe('inspectDatabase', () => {
  it('reads tables with their columns, sequences with their options and enums with their labels', async () => {
    const m = await model(await databaseWith(baseStatements));
    const orders = m.objects.find((o) => o.id === 'TABLE "app"."orders"')!;
    expect(orders.columns!.map((c) => c.name)).toEqual(['id', 'customer_id', 'status', 'quantity', 'price', 'total', 'note']);
    expect(orders.columns!.find((c) => c.name === 'total')).toMatchObject({ type: 'numeric', generated: expect.stringContaining('quantity') });
    expect(orders.details).toMatchObject({ 'check constraint "orders_price_check"': 'CHECK ((price >= (0)::numeric))' });
    expect(m.objects.find((o) => o.id === 'TABLE "app"."customers"')!.columns![0]).toMatchObject({ name: 'id', identity: 'ALWAYS' });
    expect(m.objects.find((o) => o.id === 'SEQUENCE "app"."invoice_no"')!.details).toMatchObject({ increment: 'INCREMENT BY 10', maxvalue: 'MAXVALUE 100000' });
    expect(m.objects.find((o) => o.id === 'TYPE "app"."status"')!.details).toEqual({ labels: '["new","paid","shipped"]' });
    expect(m.objects.find((o) => o.id === 'EXTENSION "pg_trgm"')!.details!.version).toMatch(/^\d/);
    expect(m.objects.some((o) => o.kind === 'TABLE DATA' || o.kind === 'SEQUENCE SET')).toBe(false);
    expect(JSON.stringify(m)).not.toMatch(/"objid"|"classid"/);
  });

  it('finds no drift between two databases built in different orders', async () => {
    const a = await model(await databaseWith(baseStatements));
    const b = await model(await databaseWith(reorderedStatements()));
    expect(diffModels(a, b, { includeComments: true, includePrivileges: true })).toEqual({ missing: [], extra: [], different: [] });
  });

  it('limits the model to the schemas asked for', async () => {
    const m = await model(await databaseWith(baseStatements), ['Billing Dept']);
    expect(m.schemas).toEqual(['Billing Dept']);
    expect(m.objects.filter((o) => o.schema !== null).every((o) => o.schema === 'Billing Dept')).toBe(true);
    expect(m.objects.some((o) => o.id === 'TABLE "Billing Dept"."Invoice ""Lines"""')).toBe(true);
  });
});

describe('inspectDatabase across major versions', () => {
  it('finds no drift between the same schema on PostgreSQL 15 and 17', async () => {
    const newer = getCluster(17);
    const db17 = await createTestDatabase(newer, 'compare17');
    try {
      await withClient(newer, db17.name, async (client) => {
        for (const statement of baseStatements) await client.query(statement);
      });
      const on17 = await withClient(newer, db17.name, (client: pg.Client) => inspectDatabase(client as unknown as QueryClient, { database: db17.name }));
      const on15 = await model(await databaseWith(baseStatements));
      expect(on17.serverMajor).toBe(17);
      const drift = diffModels(on15, on17);
      // Only the extension's version may differ between the two servers' contrib packages.
      expect(drift.missing).toEqual([]);
      expect(drift.extra).toEqual([]);
      expect(drift.different.filter((d) => d.kind !== 'EXTENSION')).toEqual([]);
    } finally {
      await db17.drop();
    }
  });
});

describe('inspectDatabase privileges', () => {
  it('needs no privilege on the tables: a role with only LOGIN reads the same model', async () => {
    const db = await databaseWith(baseStatements);
    const role = `compare_ro_${db.name.slice(-6)}`;
    await withClient(cluster, db.name, (client) => client.query(`CREATE ROLE ${role} LOGIN PASSWORD 'ro-pass'`));
    try {
      const client = new pg.Client({ host: cluster.host, port: cluster.port, user: role, password: 'ro-pass', database: db.name });
      await client.connect();
      let asRole;
      try {
        asRole = await inspectDatabase(client as unknown as QueryClient, { database: db.name });
      } finally {
        await client.end();
      }
      expect(diffModels(await model(db), asRole, { includeComments: true })).toEqual({ missing: [], extra: [], different: [] });
    } finally {
      await db.drop();
      await withClient(cluster, 'postgres', (client) => client.query(`DROP ROLE IF EXISTS ${role}`));
    }
  });
});
