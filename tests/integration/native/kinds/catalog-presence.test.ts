// readCatalog first asks which catalogs hold anything (readCatalogPresence) and
// skips the readers, and the decorated-objects view's branches, over catalogs
// that hold nothing. The catalog read must be what reading every catalog gives,
// entry for entry — for each kind fixture alone (so that most catalogs are
// empty and skipped), an empty database, a small table and an application
// schema — and the skipping must happen (fewer queries sent).
import { randomBytes } from 'node:crypto';
import type { QueryClient } from '../../../../lib/db/client.js';
import { catalogReaders, readCatalog, type ReadOptions, type TocEntry } from '../../../../lib/engines/native/catalog/index.js';
import { everyCatalog } from '../../../../lib/engines/native/catalog/presence.js';
import { configureDumpSession } from '../../../../lib/engines/native/index.js';
import { quoteIdent } from '../../../../lib/sql/quote.js';
import { createTestDatabase, getCluster, query, runMajors, withClient, type ClusterInfo } from '../../../support/db.js';
import { baseStatements } from '../../compare/seed.js';
import { operatorClassSeed, ownerKindsSeed, superuserKindsSeed } from './seed.js';
import { kindFixtures } from './fixtures.js';

const fixtures = kindFixtures;

const family = (name: string) => name.split('-')[0];

interface CatalogRead {
  entries: TocEntry[];
  queries: number;
}

/** Both reads in one snapshot: with the presence read (what runs do), and with every catalog read. */
async function readBothWays(cluster: ClusterInfo, database: string): Promise<{ skipping: CatalogRead; every: CatalogRead }> {
  return withClient(cluster, database, async (raw) => {
    const client = raw as unknown as QueryClient;
    let queries = 0;
    const counting: QueryClient = { query: (sql, params) => (queries++, client.query(sql, params)), end: async () => undefined };
    await raw.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    try {
      await configureDumpSession(client);
      const options: ReadOptions = { noOwner: false, noPrivileges: false, serverMajor: cluster.major, includesSchema: () => true, includesTable: () => true, includesData: () => false };
      const read = async (present?: ReadOptions['present']): Promise<CatalogRead> => {
        queries = 0;
        const entries = await readCatalog(counting, catalogReaders, { ...options, ...(present ? { present } : {}) });
        return { entries, queries };
      };
      return { skipping: await read(), every: await read(everyCatalog) };
    } finally {
      await raw.query('ROLLBACK');
    }
  });
}

/** A database with subscriptions cannot be dropped: detach them from their (never made) slots and drop them. */
async function dropSubscriptions(cluster: ClusterInfo, database: string): Promise<void> {
  const subs = await query<{ name: string }>(cluster, database, 'SELECT subname AS name FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())');
  for (const { name } of subs) {
    const quoted = quoteIdent(name);
    await query(cluster, database, `ALTER SUBSCRIPTION ${quoted} DISABLE; ALTER SUBSCRIPTION ${quoted} SET (slot_name = NONE); DROP SUBSCRIPTION ${quoted}`);
  }
}

describe.each(runMajors())('a catalog read that skips the catalogs holding nothing, on PostgreSQL %i', (major) => {
  const owner = quoteIdent(`Presence owner ${randomBytes(3).toString('hex')}`);
  const units: { name: string; sql: string[] }[] = [
    { name: 'an empty database', sql: [] },
    { name: 'one small table (a serial, a primary key, an index)', sql: ['CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, at timestamptz DEFAULT now()); CREATE INDEX ON notes (at)'] },
    { name: "compare's application schema", sql: baseStatements },
    // What the presence of partitions, inheritance and foreign keys lets the table readers leave out.
    {
      name: 'a partitioned table with a partitioned index and a foreign key, an inheritance child with a CHECK',
      sql: [
        'CREATE TABLE events (id int, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at); CREATE INDEX events_at ON events (at)',
        "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        'CREATE TABLE notes (id int PRIMARY KEY, event int, at date, FOREIGN KEY (event, at) REFERENCES events)',
        'CREATE TABLE base (v int CHECK (v > 0)); CREATE TABLE derived (w int) INHERITS (base)',
      ],
    },
    // A fixture alone, after those of its family it builds on (publication-schemas-15 on publication-basic).
    ...fixtures
      .filter((fixture) => major >= fixture.minMajor)
      .map((fixture) => ({ name: `fixture ${fixture.name}`, sql: fixtures.filter((f) => family(f.name) === family(fixture.name) && f.name <= fixture.name && major >= f.minMajor).map((f) => f.sql) })),
    { name: 'statistics objects, casts, text search objects and operators', sql: [ownerKindsSeed()] },
    { name: 'operator classes and families', sql: [operatorClassSeed] },
    { name: 'event triggers, languages, text search parsers and templates', sql: [`CREATE ROLE ${owner} SUPERUSER`, superuserKindsSeed(owner)] },
  ];
  let cluster: ClusterInfo;

  beforeAll(() => {
    cluster = getCluster(major);
  });

  afterAll(async () => {
    if (cluster) await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${owner}`);
  });

  it.each(units)('reads the same entries as reading every catalog: $name', async ({ sql }) => {
    const db = await createTestDatabase(cluster, `presence_${major}`);
    try {
      for (const statement of sql) await query(cluster, statement.startsWith('CREATE ROLE') ? 'postgres' : db.name, statement);
      const { skipping, every } = await readBothWays(cluster, db.name);
      expect(skipping.entries).toEqual(every.entries);
      // Every unit leaves most catalogs empty: their readers are not asked (the presence read is one query more).
      expect(skipping.queries).toBeLessThan(every.queries);
    } finally {
      await dropSubscriptions(cluster, db.name);
      await db.drop();
    }
  });
});
