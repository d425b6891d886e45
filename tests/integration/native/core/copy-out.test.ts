import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Readable } from 'node:stream';
import { CopyOutStream } from '../../../../lib/engines/native/copy-out.js';
import { connectionInfo, createTestDatabase, getCluster, query, type TestDatabase } from '../../../support/db.js';

const cluster = getCluster(15);
let db: TestDatabase;
let client: pg.Client;

// Rows that cross socket chunks (a 300 kB value), escapes, NULLs and multi-byte text.
beforeAll(async () => {
  db = await createTestDatabase(cluster, 'native_copy_out');
  await query(cluster, db.name, `
    CREATE TABLE t (id int, v text, b bytea);
    INSERT INTO t SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'row ' || g || E'\\tcafé\\n' || repeat('x', g % 300) END, decode(md5(g::text), 'hex')
      FROM generate_series(1, 20000) g;
    INSERT INTO t VALUES (0, repeat('ü', 150000), NULL);
    CREATE TABLE empty (id int);
    CREATE TABLE secret (id int);`);
  client = new pg.Client(connectionInfo(cluster, db.name));
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe('CopyOutStream (COPY TO STDOUT on a pg Client)', () => {
  it('gives the same bytes as pg-copy-streams, and the server\'s row count', async () => {
    const sql = 'COPY t TO STDOUT';
    const expected = await collect(client.query(copyTo(sql)));
    const stream = client.query(new CopyOutStream(sql));
    const actual = await collect(stream);
    expect(actual.length).toBe(expected.length);
    expect(actual.equals(expected)).toBe(true);
    expect(stream.rowCount).toBe(20001);
    // The driver has the connection back.
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('resolves completed with the server\'s row count once the command is done, however late its end came', async () => {
    const stream = client.query(new CopyOutStream('COPY t TO STDOUT'));
    await collect(stream);
    expect(await stream.completed).toBe(20001);
    const empty = client.query(new CopyOutStream('COPY empty TO STDOUT'));
    await collect(empty);
    expect(await empty.completed).toBe(0);
  });

  it('ends at once for a table without rows', async () => {
    const stream = client.query(new CopyOutStream('COPY empty TO STDOUT'));
    expect((await collect(stream)).length).toBe(0);
    expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('reports the server\'s error, and the client stays usable after it', async () => {
    await client.query('CREATE ROLE pgbak_copy_out_nobody');
    try {
      await client.query('SET ROLE pgbak_copy_out_nobody');
      const stream = client.query(new CopyOutStream('COPY secret TO STDOUT'));
      await expect(collect(stream)).rejects.toMatchObject({ code: '42501' });
      await expect(stream.completed).rejects.toMatchObject({ code: '42501' });
      await client.query('RESET ROLE');
      expect((await client.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    } finally {
      await client.query('RESET ROLE').catch(() => undefined);
      await client.query('DROP ROLE pgbak_copy_out_nobody');
    }
  });
});
