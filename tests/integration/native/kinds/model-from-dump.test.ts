// One catalog read per step: a native step builds its schema model from the
// catalog its dump read (kept in a QueryRecord, replayed), not by reading the
// catalog a second time. The model must be the one compare's own reader
// (inspectDatabase) gets from the live database, object for object, for every
// kind fixture and an ordinary application schema, on every major of the run,
// whatever the dump left out (owners, grants, other schemas).
import { randomBytes } from 'node:crypto';
import { kindFixtures } from './fixtures.js';
import { Writable } from 'node:stream';
import pg from 'pg';
import { inspectDatabase, inspectSchema } from '../../../../lib/compare/inspect.js';
import type { SchemaModel } from '../../../../lib/compare/model.js';
import type { QueryClient } from '../../../../lib/db/client.js';
import { createQueryRecord, replayingClient, type QueryRecord } from '../../../../lib/db/query-record.js';
import { catalogReaders, readCatalog } from '../../../../lib/engines/native/catalog/index.js';
import { configureDumpSession, dumpNative, readDependencies, type NativeDumpKind, type ReadOptions } from '../../../../lib/engines/native/index.js';
import { quoteIdent } from '../../../../lib/sql/quote.js';
import { connectionInfo, createTestDatabase, getCluster, query, runMajors, withClient, type ClusterInfo, type TestDatabase } from '../../../support/db.js';
import { baseStatements } from '../../compare/seed.js';
import { operatorClassSeed, ownerKindsSeed, superuserKindsSeed } from './seed.js';

const fixtures = kindFixtures;

/** How a step narrows its dump, as the run hands it to the engine, and the schemas its model keeps to. */
interface StepShape {
  kind: NativeDumpKind;
  noOwner?: boolean;
  noPrivileges?: boolean;
  schemas?: string[];
}

interface ModelFromDump {
  model: SchemaModel;
  record: QueryRecord;
}

/** A native dump (thrown away) with its catalog read recorded, then the model built from that record, in one snapshot. */
async function modelFromDump(cluster: ClusterInfo, database: string, shape: StepShape): Promise<ModelFromDump> {
  const client = new pg.Client(connectionInfo(cluster, database));
  await client.connect();
  const queryClient = client as unknown as QueryClient;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const { rows } = await client.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id');
    const record = createQueryRecord();
    const schemas = shape.schemas ?? null;
    const inSchemas = (schema: string) => schemas === null || schemas.includes(schema);
    await dumpNative({
      client: queryClient,
      database,
      snapshotId: rows[0]!.id,
      output: new Writable({ write: (_chunk, _encoding, callback) => callback() }),
      kind: shape.kind,
      readOptions: {
        noOwner: shape.noOwner ?? false,
        noPrivileges: shape.noPrivileges ?? false,
        serverMajor: cluster.major,
        includesSchema: inSchemas,
        includesTable: (schema) => inSchemas(schema),
        includesDatabaseObjects: schemas === null,
      },
      catalogRecord: record,
    });
    // As the run reads it: in a savepoint, so the model's session settings go again.
    await client.query('SAVEPOINT model');
    const model = await inspectSchema(replayingClient(queryClient, record), { database, schemas });
    await client.query('ROLLBACK TO SAVEPOINT model');
    return { model, record };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
}

async function liveModel(cluster: ClusterInfo, database: string, schemas: string[] | null = null): Promise<SchemaModel> {
  return withClient(cluster, database, (client) => inspectDatabase(client as unknown as QueryClient, { database, schemas }));
}

/** The queries the catalog readers and the dependency graph send for a model (compare's options). */
async function catalogQueries(cluster: ClusterInfo, database: string): Promise<Set<string>> {
  return withClient(cluster, database, async (client) => {
    const sent = new Set<string>();
    const logging: QueryClient = {
      query: (sql, params) => {
        sent.add(sql);
        return (client as unknown as QueryClient).query(sql, params);
      },
      end: async () => undefined,
    };
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await configureDumpSession(logging);
    sent.clear();
    const options: ReadOptions = { noOwner: false, noPrivileges: false, serverMajor: cluster.major, includesSchema: () => true, includesTable: () => true, includesData: () => false };
    await readCatalog(logging, catalogReaders, options);
    await readDependencies(logging);
    await client.query('ROLLBACK');
    return sent;
  });
}

const withoutReadAt = (model: SchemaModel) => ({ ...model, readAt: null });

/** A database with subscriptions cannot be dropped: detach them from their (never made) slots and drop them. */
async function dropSubscriptions(cluster: ClusterInfo, db: TestDatabase): Promise<void> {
  const subs = await query<{ name: string }>(cluster, db.name, 'SELECT subname AS name FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())');
  for (const { name } of subs) {
    const quoted = quoteIdent(name);
    await query(cluster, db.name, `ALTER SUBSCRIPTION ${quoted} DISABLE; ALTER SUBSCRIPTION ${quoted} SET (slot_name = NONE); DROP SUBSCRIPTION ${quoted}`);
  }
}

describe.each(runMajors())('the schema model a native step builds from its dump\'s catalog read, on PostgreSQL %i', (major) => {
  let cluster: ClusterInfo;
  let kinds: TestDatabase;
  let ordinary: TestDatabase;
  const owner = quoteIdent(`Model "owner" ${randomBytes(3).toString('hex')}`);

  beforeAll(async () => {
    cluster = getCluster(major);
    await query(cluster, 'postgres', `CREATE ROLE ${owner} SUPERUSER`);
    kinds = await createTestDatabase(cluster, `model_kinds_${major}`);
    for (const fixture of fixtures) {
      if (major < fixture.minMajor) continue;
      await query(cluster, kinds.name, fixture.sql);
    }
    await query(cluster, kinds.name, ownerKindsSeed() + operatorClassSeed + superuserKindsSeed(owner));
    ordinary = await createTestDatabase(cluster, `model_app_${major}`);
    for (const statement of baseStatements) await query(cluster, ordinary.name, statement);
  });

  afterAll(async () => {
    if (kinds) await dropSubscriptions(cluster, kinds);
    await kinds?.drop();
    await ordinary?.drop();
    if (cluster) await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${owner}`);
  });

  it('equals the live model for every kind fixture, and sends none of the catalog readers\' queries to the server again', async () => {
    const { model, record } = await modelFromDump(cluster, kinds.name, { kind: 'full' });
    expect(withoutReadAt(model)).toEqual(withoutReadAt(await liveModel(cluster, kinds.name)));
    expect(model.objects.length).toBeGreaterThan(200);
    const catalog = await catalogQueries(cluster, kinds.name);
    expect(catalog.size).toBeGreaterThan(catalogReaders.length);
    expect(record.misses.filter((sql) => catalog.has(sql))).toEqual([]);
    // What is left is compare's own column and option details, the session settings and the version.
    expect(record.misses.length).toBeLessThan(10);
  });

  it('equals the live model for an ordinary application schema', async () => {
    const { model, record } = await modelFromDump(cluster, ordinary.name, { kind: 'full' });
    expect(withoutReadAt(model)).toEqual(withoutReadAt(await liveModel(cluster, ordinary.name)));
    expect(record.misses.filter((sql) => /pg_catalog\.pg_description/.test(sql))).toEqual([]);
  });

  it('is whole when the dump leaves out owners and grants (what the dump did not read, the model reads once)', async () => {
    const { model, record } = await modelFromDump(cluster, kinds.name, { kind: 'full', noOwner: true, noPrivileges: true });
    const live = await liveModel(cluster, kinds.name);
    expect(withoutReadAt(model)).toEqual(withoutReadAt(live));
    expect(model.objects.some((object) => object.kind === 'OWNER')).toBe(true);
    expect(model.objects.some((object) => object.kind === 'ACL')).toBe(true);
    expect(model.objects.find((object) => object.id.includes('EVENT TRIGGER "evt_rewrite"'))?.sql).toContain('OWNER TO');
    expect(new Set(record.misses).size).toBe(record.misses.length);
  });

  it('equals the live model of a data-only and of a schema-only step limited to one schema', async () => {
    const dataOnly = await modelFromDump(cluster, ordinary.name, { kind: 'data-only' });
    expect(withoutReadAt(dataOnly.model)).toEqual(withoutReadAt(await liveModel(cluster, ordinary.name)));
    const limited = await modelFromDump(cluster, kinds.name, { kind: 'schema-only', schemas: ['Typed "T"'] });
    expect(limited.model.schemas).toEqual(['Typed "T"']);
    expect(limited.model.objects.length).toBeGreaterThan(0);
    expect(withoutReadAt(limited.model)).toEqual(withoutReadAt(await liveModel(cluster, kinds.name, ['Typed "T"'])));
  });
});
