import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { QueryClient } from '../../../../lib/db/client.js';
import { startCopyOut } from '../../../../lib/engines/native/copy-data.js';
import { connectionInfo, createTestDatabase, getCluster, query, type TestDatabase } from '../../../support/db.js';
import { nativeDumpToFile, removeNativeDumpDirs } from '../../../support/native-fidelity.js';
import { minimalReaders } from './minimal-readers.js';
import { seedCore } from './seed-core.js';

const cluster = getCluster(17);
let source: TestDatabase;
let scratch: string;

beforeAll(async () => {
  source = await createTestDatabase(cluster, 'native_parallel');
  await seedCore(cluster, source.name);
  scratch = await mkdtemp(join(tmpdir(), 'pgbak-scratch-'));
});

afterAll(async () => {
  await source.drop();
  await removeNativeDumpDirs();
  await rm(scratch, { recursive: true, force: true });
});

describe('parallel native dump', () => {
  it('writes exactly the same bytes with jobs 3 as with jobs 1', async () => {
    const serial = await nativeDumpToFile(cluster, source.name, { readers: minimalReaders, jobs: 1 });
    const parallel = await nativeDumpToFile(cluster, source.name, { readers: minimalReaders, jobs: 3, scratchDir: scratch });
    expect(parallel.result.tables).toBe(3);
    expect(parallel.result.bytes).toBe(serial.result.bytes);
    expect(parallel.text).toEqual(serial.text);
  });

  it('removes its private temp dir afterwards', async () => {
    await nativeDumpToFile(cluster, source.name, { readers: minimalReaders, jobs: 2, scratchDir: scratch });
    expect(await readdir(scratch)).toEqual([]);
  });

  it('fails as a whole, and still cleans up, when a worker cannot read a table', async () => {
    const db = await createTestDatabase(cluster, 'native_parallel_fail');
    try {
      await seedCore(cluster, db.name);
      // A reader naming a column that does not exist makes one worker's COPY fail.
      const broken = async (...args: Parameters<(typeof minimalReaders)[number]>) => {
        const entries = await minimalReaders[1]!(...args);
        return entries.map((e) => (e.kind === 'TABLE DATA' && e.name === 'empty_table' ? { ...e, copy: { ...e.copy!, columns: ['no_such_column'] } } : e));
      };
      const readers = [minimalReaders[0]!, broken, ...minimalReaders.slice(2)];
      await expect(nativeDumpToFile(cluster, db.name, { readers, jobs: 2, scratchDir: scratch })).rejects.toThrow(/reading "app"."empty_table".*no_such_column/);
      expect(await readdir(scratch)).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('closes the connection of a COPY stopped midway instead of leaving the ROLLBACK after it waiting for ever', async () => {
    await query(cluster, source.name, 'CREATE TABLE app.copy_stopped AS SELECT g AS id, repeat(md5(g::text), 4) AS pad FROM generate_series(1, 200000) g');
    const client = new pg.Client(connectionInfo(cluster, source.name));
    await client.connect();
    try {
      await client.query('BEGIN');
      const rows = startCopyOut(client as unknown as QueryClient, { schema: 'app', table: 'copy_stopped', columns: [], estimatedBytes: 0 });
      await new Promise<void>((resolve) => rows.once('data', () => resolve()));
      rows.destroy();

      // Before the fix this query never settled; now the closed connection refuses it at once.
      await expect(client.query('ROLLBACK')).rejects.toThrow(/not queryable|terminated/);
    } finally {
      await client.end().catch(() => undefined);
      await query(cluster, source.name, 'DROP TABLE app.copy_stopped');
    }
  });

  it('keeps the connection of a COPY the server refused', async () => {
    const client = new pg.Client(connectionInfo(cluster, source.name));
    await client.connect();
    try {
      const rows = startCopyOut(client as unknown as QueryClient, { schema: 'app', table: 'no_such_table', columns: [], estimatedBytes: 0 });
      await expect(new Promise((resolve, reject) => rows.on('error', reject).on('end', resolve).resume())).rejects.toThrow(/does not exist/);

      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });
});
