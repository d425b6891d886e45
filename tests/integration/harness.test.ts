// Proves the integration harness itself: clusters, per-test databases, seed and snapshot.
import pg from 'pg';
import { createTestDatabase, getCluster, query, withClient, type TestDatabase } from '../support/db.js';
import { SEEDED_SNAPSHOT, seedDatabase, snapshotDatabase } from '../support/seed.js';

const cluster = getCluster(15);
const created: TestDatabase[] = [];

async function freshDatabase(prefix: string): Promise<TestDatabase> {
  const database = await createTestDatabase(cluster, prefix);
  created.push(database);
  return database;
}

afterAll(async () => {
  await Promise.all(created.map((database) => database.drop()));
});

describe('test harness', () => {
  it('reaches the cluster with the superuser password', async () => {
    const rows = await query<{ ok: number }>(cluster, 'postgres', 'SELECT 1 AS ok');
    expect(rows).toEqual([{ ok: 1 }]);
  });

  it('runs PostgreSQL 15', async () => {
    const [row] = await query<{ server_version_num: string }>(cluster, 'postgres', 'SHOW server_version_num');
    expect(Math.floor(Number(row?.server_version_num) / 10000)).toBe(15);
  });

  it('gives each test its own empty database', async () => {
    const first = await freshDatabase('harness');
    const second = await freshDatabase('harness');
    expect(first.name).not.toBe(second.name);
    expect(first.name).toMatch(/^t_harness_[0-9a-f]{10}$/);

    await query(cluster, first.name, 'CREATE TABLE only_here (id int)');
    const tables = (name: string) =>
      query<{ relname: string }>(cluster, name, "SELECT relname FROM pg_class WHERE relname = 'only_here'");
    expect(await tables(first.name)).toHaveLength(1);
    expect(await tables(second.name)).toHaveLength(0);
  });

  it('drops a test database even while a client is still connected', async () => {
    const database = await createTestDatabase(cluster, 'drop');
    const client = new pg.Client(database.connection);
    client.on('error', () => undefined); // the forced drop terminates this connection
    await client.connect();
    try {
      await database.drop();
      const rows = await query(cluster, 'postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [database.name]);
      expect(rows).toHaveLength(0);
    } finally {
      await client.end().catch(() => undefined);
    }
  });

  it('seeds a database whose snapshot has the expected counts', async () => {
    const database = await freshDatabase('seed');
    await seedDatabase(cluster, database.name);
    expect(await snapshotDatabase(cluster, database.name)).toEqual(SEEDED_SNAPSHOT);
  });

  it('rejects a wrong password with invalid_password (28P01)', async () => {
    const client = new pg.Client({ ...database0(), password: 'not-the-password' });
    await expect(client.connect()).rejects.toMatchObject({ code: '28P01' });
  });

  it('connects through a URL built by createTestDatabase', async () => {
    const database = await freshDatabase('url');
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      expect(rows[0]?.db).toBe(database.name);
    } finally {
      await client.end();
    }
  });

  it('closes the client after withClient even when the callback throws', async () => {
    let seen: pg.Client | undefined;
    await expect(
      withClient(cluster, 'postgres', async (client) => {
        seen = client;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(seen?.query('SELECT 1')).rejects.toThrow();
  });
});

function database0() {
  return { host: cluster.host, port: cluster.port, user: cluster.user, database: 'postgres' };
}
