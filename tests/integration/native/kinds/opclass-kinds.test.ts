// Operator classes and families through the whole native engine: the dump
// restores with stock psql into an empty database (building the indexes that
// use the classes), and pg_dump --schema-only cannot tell the copy from the source.
// An extension's own classes are left to CREATE EXTENSION.
import { createTestDatabase, getCluster, hasClientTools, query, type ClusterInfo, type TestDatabase } from '../../../support/db.js';
import { expectNativeRoundTrip, nativeDumpToFile, removeNativeDumpDirs } from '../../../support/native-fidelity.js';
import { operatorClassSeed } from './seed.js';

const describeWithTools = hasClientTools(['pg_dump', 'psql']) ? describe : describe.skip;

describeWithTools.each([15, 17])('a native dump of operator classes and families on PostgreSQL %i', (major) => {
  let cluster: ClusterInfo;
  let source: TestDatabase;

  beforeAll(async () => {
    cluster = getCluster(major);
    source = await createTestDatabase(cluster, `kinds_opclass_${major}`);
    await query(cluster, source.name, operatorClassSeed);
    // An extension's classes and families (gin_trgm_ops, gist_trgm_ops…): CREATE EXTENSION makes them.
    await query(cluster, source.name, 'CREATE EXTENSION pg_trgm; CREATE INDEX nums_trgm ON "Kö ""k"" S".nums USING gin ((n::text) gin_trgm_ops);');
  });

  afterAll(async () => {
    await source?.drop();
    await removeNativeDumpDirs();
  });

  it('restores with psql into an empty database that compares identical, indexes built with the classes', async () => {
    const { target, dump } = await expectNativeRoundTrip(cluster, source.name);
    try {
      const indexes = await query(
        cluster,
        target.name,
        `SELECT c.relname, o.opcname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_opclass o ON o.oid = i.indclass[0] WHERE c.relname IN ('Nums abs', 'nums_hash') ORDER BY 1`,
      );
      expect(indexes).toEqual([
        { relname: 'Nums abs', opcname: 'Abs "ops" é' },
        { relname: 'nums_hash', opcname: 'abs_hash' },
      ]);
    } finally {
      await target.drop();
    }
    expect(dump.text).toContain(
      'CREATE OPERATOR CLASS "Kö ""k"" S"."Abs ""ops"" é" FOR TYPE integer USING "btree" AS\n' +
        '    OPERATOR 1 "Kö ""k"" S".<|(integer,integer),\n',
    );
    expect(dump.text).toContain('    FUNCTION 1 (integer, integer) "Kö ""k"" S"."abs cmp"(integer,integer);');
    expect(dump.text).toContain('CREATE OPERATOR FAMILY "Kö ""k"" S"."Fam ü" USING "hash";\n' +
      'ALTER OPERATOR FAMILY "Kö ""k"" S"."Fam ü" USING "hash" ADD\n' +
      '    FUNCTION 2 (integer, integer) "Kö ""k"" S".abs_hash_ext(integer,bigint);');
    expect(dump.text).toContain('CREATE OPERATOR CLASS "Kö ""k"" S"."abs_hash" FOR TYPE integer USING "hash" FAMILY "Kö ""k"" S"."Fam ü" AS');
    expect(dump.text).toContain(`COMMENT ON OPERATOR CLASS "Kö ""k"" S"."Abs ""ops"" é" USING "btree" IS 'by ''absolute'' value';`);
    expect(dump.text).toContain(`COMMENT ON OPERATOR FAMILY "Kö ""k"" S"."Fam ü" USING "hash" IS 'hash by absolute value';`);
    expect(dump.text).not.toContain('trgm_ops"');
    expect(dump.text).toContain('gin_trgm_ops');
    expect(dump.result.warnings).toEqual([]);
  });

  it('writes a class after its family, operators and functions, and before the index that uses it', async () => {
    const { text } = await nativeDumpToFile(cluster, source.name);
    const family = text.indexOf('CREATE OPERATOR FAMILY "Kö ""k"" S"."Fam ü"');
    const hashClass = text.indexOf('CREATE OPERATOR CLASS "Kö ""k"" S"."abs_hash"');
    const operator = text.indexOf('CREATE OPERATOR "Kö ""k"" S".|>');
    const btreeClass = text.indexOf('CREATE OPERATOR CLASS "Kö ""k"" S"."Abs ""ops"" é"');
    const index = text.indexOf('CREATE INDEX "Nums abs"');
    expect(family).toBeGreaterThan(0);
    expect(hashClass).toBeGreaterThan(family);
    expect(btreeClass).toBeGreaterThan(operator);
    expect(index).toBeGreaterThan(btreeClass);
    expect(text.indexOf('ALTER OPERATOR CLASS "Kö ""k"" S"."Abs ""ops"" é" USING "btree" OWNER TO')).toBeGreaterThan(btreeClass);
  });

  it('leaves classes and families out of a dump narrowed to another schema', async () => {
    const { text } = await nativeDumpToFile(cluster, source.name, {
      readOptions: { includesSchema: (s) => s === 'public', includesTable: (s) => s === 'public' },
    });
    expect(text).not.toContain('OPERATOR CLASS');
    expect(text).not.toContain('OPERATOR FAMILY');
  });
});
