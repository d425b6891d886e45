import { createTestDatabase, getCluster, hasClientTools, query, type TestDatabase } from '../../../support/db.js';
import { largeObjectHashes, nativeDumpToFile, removeNativeDumpDirs, restoreWithPsql } from '../../../support/native-fidelity.js';
import { minimalReaders } from './minimal-readers.js';
import { seedCore } from './seed-core.js';

const cluster = getCluster(15);
const describeWithPsql = hasClientTools(['psql']) ? describe : describe.skip;
let source: TestDatabase;
const extra: TestDatabase[] = [];

beforeAll(async () => {
  source = await createTestDatabase(cluster, 'native_kinds');
  await seedCore(cluster, source.name);
});

afterAll(async () => {
  await Promise.all([source, ...extra].map((db) => db.drop()));
  await removeNativeDumpDirs();
});

const statements = (text: string) => text.split('\n').filter((l) => /^(CREATE|ALTER|COPY|SELECT|COMMENT|BEGIN|COMMIT)\b/.test(l));

describeWithPsql('native dump kinds', () => {
  it('schema-only writes no rows, no sequence values and no large objects', async () => {
    const { text, result } = await nativeDumpToFile(cluster, source.name, { readers: minimalReaders, kind: 'schema-only' });
    expect(result.tables).toBe(0);
    expect(text).not.toMatch(/^COPY |setval|lo_create|lo_open/m);
    expect(text).toMatch(/^CREATE TABLE "app"."customers"/m);
  });

  it('data-only writes rows, sequence values and large objects, loading parents before children', async () => {
    const { text, file } = await nativeDumpToFile(cluster, source.name, { readers: minimalReaders, kind: 'data-only' });
    expect(text).not.toMatch(/^(CREATE|ALTER) /m);
    const copies = statements(text).filter((l) => l.startsWith('COPY'));
    expect(copies[0]).toMatch(/^COPY "app"."customers"/);
    expect(copies.findIndex((l) => l.includes('Order Items'))).toBeGreaterThan(0);
    // Into a copy of the schema, with its foreign keys in force.
    const target = await createTestDatabase(cluster, 'native_kinds_data');
    extra.push(target);
    const schema = await nativeDumpToFile(cluster, source.name, { readers: minimalReaders, kind: 'schema-only' });
    await restoreWithPsql(cluster, target.name, schema.file);
    await restoreWithPsql(cluster, target.name, file);
    const [row] = await query<{ n: number }>(cluster, target.name, 'SELECT count(*)::int AS n FROM "Weird ""Schema"" ü"."Order Items; DROP"');
    expect(row!.n).toBe(2000);
    expect(await largeObjectHashes(cluster, target.name)).toEqual(await largeObjectHashes(cluster, source.name));
  });

  it('large-objects writes only the large objects, with their OIDs and contents', async () => {
    const { text, file } = await nativeDumpToFile(cluster, source.name, { readers: minimalReaders, kind: 'large-objects' });
    expect(statements(text).every((l) => /^(SELECT pg_catalog\.(lo_|lowrite|set_config\(.search_path)|BEGIN|COMMIT)/.test(l))).toBe(true);
    const target = await createTestDatabase(cluster, 'native_kinds_lo');
    extra.push(target);
    await restoreWithPsql(cluster, target.name, file);
    expect(await largeObjectHashes(cluster, target.name)).toEqual(await largeObjectHashes(cluster, source.name));
  });

  it('tables leaves out large objects and narrows to the chosen tables', async () => {
    const { text, result } = await nativeDumpToFile(cluster, source.name, {
      readers: minimalReaders,
      kind: 'tables',
      readOptions: { includesSchema: (s) => s === 'app', includesTable: (s, t) => s === 'app' && t === 'customers' },
    });
    expect(result.tables).toBe(1);
    expect(text).not.toMatch(/lo_create|lo_open/);
    expect(text).toContain('SELECT pg_catalog.setval(\'"app"."customers_id_seq"\', 304, true);');
  });
});
