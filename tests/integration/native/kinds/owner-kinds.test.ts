// Statistics objects, casts, operators, text search dictionaries and
// configurations through the whole native engine: the dump restores with stock
// psql into an empty database, and pg_dump --schema-only (or, on a server newer
// than it, a second native dump) cannot tell the copy from the source. A dump
// narrowed by patterns leaves out what pg_dump's would.
import { createTestDatabase, getCluster, hasClientTools, query, type ClusterInfo, type TestDatabase } from '../../../support/db.js';
import { expectNativeRoundTrip, nativeDumpToFile, removeNativeDumpDirs } from '../../../support/native-fidelity.js';
import { ownerKindsSeed } from './seed.js';

const describeWithTools = hasClientTools(['pg_dump', 'psql']) ? describe : describe.skip;

describeWithTools.each([15, 17])('a native dump of statistics objects, casts, operators and text search objects on PostgreSQL %i', (major) => {
  let cluster: ClusterInfo;
  let source: TestDatabase;

  beforeAll(async () => {
    cluster = getCluster(major);
    source = await createTestDatabase(cluster, `kinds_owner_${major}`);
    await query(cluster, source.name, ownerKindsSeed());
  });

  afterAll(async () => {
    await source?.drop();
    await removeNativeDumpDirs();
  });

  it('restores with psql into an empty database that compares identical', async () => {
    const { target, dump } = await expectNativeRoundTrip(cluster, source.name);
    await target.drop();
    expect(dump.text).toContain('CREATE STATISTICS "Kö ""k"" S"."St ""1"" É" (ndistinct, dependencies) ON a, "B b" FROM "Kö ""k"" S"."T a";');
    expect(dump.text).toContain('ALTER STATISTICS "Kö ""k"" S"."st_expr" SET STATISTICS 50;');
    expect(dump.text).toContain('CREATE CAST (bigint AS "Kö ""k"" S"."Pair ""p""") WITH INOUT AS IMPLICIT;');
    expect(dump.text).toContain('CREATE CAST (regrole AS regnamespace) WITHOUT FUNCTION;');
    expect(dump.text).toContain(`CREATE TEXT SEARCH DICTIONARY "Kö ""k"" S"."Dict ""É""" (\n    TEMPLATE = "pg_catalog"."simple",\n    stopwords = 'english', accept = 'false' );`);
    expect(dump.text).toContain('ADD MAPPING FOR "int" WITH "Kö ""k"" S".syn, "Kö ""k"" S"."Dict ""É""", english_stem;');
    expect(dump.text).toContain(`COMMENT ON TEXT SEARCH CONFIGURATION "Kö ""k"" S"."empty" IS 'no mappings';`);
    expect(dump.text).toContain('CREATE OPERATOR "Kö ""k"" S".~~~ (\n    FUNCTION = "Kö ""k"" S".f_neg,\n    RIGHTARG = integer\n);');
    expect(dump.text).toContain(`COMMENT ON OPERATOR "Kö ""k"" S".~~~ (NONE, integer) IS 'prefix ''minus''';`);
    expect(dump.text).not.toContain('CREATE OPERATOR "Kö ""k"" S".!==');
    expect(dump.result.warnings).toEqual([]);
  });

  it('writes statistics objects after the data, with their comments and owners', async () => {
    const { text } = await nativeDumpToFile(cluster, source.name);
    const data = text.indexOf('COPY "Kö ""k"" S"."T a"');
    const stats = text.indexOf('CREATE STATISTICS "Kö ""k"" S"."St ""1"" É"');
    expect(data).toBeGreaterThan(0);
    expect(stats).toBeGreaterThan(data);
    expect(text.indexOf(`COMMENT ON STATISTICS "Kö ""k"" S"."St ""1"" É" IS 'stats ''quoted''';`)).toBeGreaterThan(stats);
    expect(text.indexOf('ALTER STATISTICS "Kö ""k"" S"."St ""1"" É" OWNER TO')).toBeGreaterThan(stats);
  });

  it('leaves casts out of a dump narrowed to a schema, and statistics out with their table', async () => {
    const { text } = await nativeDumpToFile(cluster, source.name, {
      readOptions: { includesDatabaseObjects: false, includesSchema: (s) => s === 'Other St', includesTable: (s) => s === 'Other St' },
    });
    expect(text).not.toContain('CREATE CAST');
    expect(text).not.toContain('COMMENT ON CAST');
    expect(text).not.toContain('CREATE STATISTICS');
  });
});
