import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, getCluster, type TestDatabase } from '../../../support/db.js';
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
});
