// Every object kind pg_dump dumps, one fixture per kind (fixtures/*.sql, written
// from PostgreSQL's CREATE documentation, hostile names included), loaded
// together into one database on every major this run started. The oracle: a
// native dump restored with stock psql gives a database whose pg_dump
// --schema-only equals the source's where the installed pg_dump can dump the
// server; on newer servers a native dump of the copy equals the first byte for
// byte (but for the header line naming the database), and compare finds no drift.
import { randomBytes } from 'node:crypto';
import { kindFixtures } from './fixtures.js';
import { quoteIdent } from '../../../../lib/sql/quote.js';
import { compareSchemas } from '../../../../lib/compare/compare.js';
import { describeConnection, type ResolvedSide } from '../../../../lib/compare/sides.js';
import { resolveConnection } from '../../../../lib/config/resolve-connection.js';
import { createTestDatabase, getCluster, hasClientTools, query, runMajors, type ClusterInfo, type TestDatabase } from '../../../support/db.js';
import {
  nativeDumpToFile,
  pgDumpMajor,
  removeNativeDumpDirs,
  restoreWithPsql,
  schemaDump,
  tableHashes,
  largeObjectHashes,
  type NativeDumpFile,
} from '../../../support/native-fidelity.js';

/** Fixture files, by kind; some need a newer server (`-- requires: 15` on the first line). */
const fixtures = kindFixtures;

const describeWithTools = hasClientTools(['pg_dump', 'psql']) ? describe : describe.skip;

async function side(db: TestDatabase): Promise<ResolvedSide> {
  const connection = await resolveConnection({ env: { DATABASE_URL: db.url } });
  return { kind: 'database', connection, label: describeConnection(connection), schemas: null };
}

/** A database with subscriptions cannot be dropped: detach them from their (never made) slots and drop them. */
async function dropSubscriptions(cluster: ClusterInfo, db: TestDatabase): Promise<void> {
  const subs = await query<{ name: string }>(cluster, db.name, 'SELECT subname AS name FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())');
  for (const { name } of subs) {
    const quoted = quoteIdent(name);
    await query(cluster, db.name, `ALTER SUBSCRIPTION ${quoted} DISABLE; ALTER SUBSCRIPTION ${quoted} SET (slot_name = NONE); DROP SUBSCRIPTION ${quoted}`);
  }
}

/** The dump's entries (header comment and statements), but those whose header matches `types`. */
function entriesBut(text: string, types: RegExp): string[] {
  return text.split(/(?=^--\n-- (?:Data for )?Name: )/m).filter((block) => !types.test(/^-- (?:Data for )?Name: .*$/m.exec(block)?.[0] ?? ''));
}

/** Roles the fixtures create (cluster-wide): dropped once the databases holding their objects are. */
const fixtureRoles = ['Lo Owner "ü"', 'lo reader'];

/**
 * Each large object's owner, grants and comment: pg_dump --schema-only (the oracle on
 * 14 and 15) leaves large objects out, so they are compared here on every major.
 */
async function largeObjectMetadata(cluster: ClusterInfo, database: string) {
  return query(
    cluster,
    database,
    `SELECT m.oid::int8::text AS oid, pg_catalog.pg_get_userbyid(m.lomowner) AS owner, m.lomacl::text[] AS acl,
            pg_catalog.obj_description(m.oid, 'pg_largeobject') AS comment
       FROM pg_catalog.pg_largeobject_metadata m ORDER BY m.oid`,
  );
}

/** The dump without the header line that names the database dumped. */
const withoutDatabaseLine = (text: string) => text.replace(/^-- Database: .*$/m, '');

describeWithTools.each(runMajors())('every object kind on PostgreSQL %i', (major) => {
  let cluster: ClusterInfo;
  let source: TestDatabase;
  let target: TestDatabase | undefined;
  let dump: NativeDumpFile;

  const reader = { user: `kinds_reader_${randomBytes(3).toString('hex')}`, password: 'pw' };

  beforeAll(async () => {
    cluster = getCluster(major);
    await query(cluster, 'postgres', `CREATE ROLE ${reader.user} LOGIN PASSWORD '${reader.password}'; GRANT pg_read_all_data TO ${reader.user}`);
    source = await createTestDatabase(cluster, `every_kind_${major}`);
    for (const fixture of fixtures) {
      if (major < fixture.minMajor) continue;
      try {
        await query(cluster, source.name, fixture.sql);
      } catch (error) {
        throw new Error(`fixture ${fixture.name} on PostgreSQL ${major}: ${(error as Error).message}`);
      }
    }
    dump = await nativeDumpToFile(cluster, source.name);
  });

  afterAll(async () => {
    try {
      for (const db of [source, target]) if (db) await dropSubscriptions(cluster, db);
      await source?.drop();
      await target?.drop();
      if (cluster) await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${reader.user}`);
      // The fixtures' roles are the cluster's: another test file loading the same fixtures
      // (model-from-dump) may still own objects through them; the last one out drops them.
      const inUse = (error: { code?: string }) => (error.code === '2BP01' ? undefined : Promise.reject(error));
      if (cluster) for (const role of fixtureRoles) await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${quoteIdent(role)}`).catch(inUse);
    } finally {
      await removeNativeDumpDirs();
    }
  });

  it('is written without a warning: no loop left unbroken, nothing left out', () => {
    expect(dump.result.warnings).toEqual([]);
  });

  it('is dumped by a SELECT-only role as by a superuser but for what only a superuser may read, with a warning each', async () => {
    await query(cluster, source.name, `GRANT CONNECT ON DATABASE ${quoteIdent(source.name)} TO ${reader.user}`);
    const readOnly = await nativeDumpToFile(cluster, source.name, { login: reader });
    expect(readOnly.result.warnings).toEqual([
      `user mapping for "postgres" on server "Srv ""1""": its options (if it has any) are visible only to that user, the server's owner or a superuser; written without OPTIONS`,
      // Hidden options and none look the same to the role: every mapping it cannot read is named.
      `user mapping for public on server "srv2": its options (if it has any) are visible only to that user, the server's owner or a superuser; written without OPTIONS`,
      "2 subscriptions left out: reading a subscription's connection needs a superuser (as with pg_dump)",
    ]);
    expect(readOnly.text).toContain('CREATE USER MAPPING FOR "postgres" SERVER "Srv ""1""";\n');
    expect(readOnly.text).toContain('CREATE USER MAPPING FOR public SERVER "srv2";\n');
    expect(readOnly.text).not.toMatch(/SUBSCRIPTION "/);
    const others = /Type: (SUBSCRIPTION|USER MAPPING)|Name: (Sub "1" ü|sub_noslot); Type: (OWNER|COMMENT)/;
    expect(entriesBut(readOnly.text, others)).toEqual(entriesBut(dump.text, others));
  });

  // On servers the installed pg_dump cannot read, the copy is checked against a second native
  // dump: a kind the engine did not read at all would pass that check, so each kind's statement is looked for.
  it('writes every kind of the fixtures', () => {
    const expected = [
      'CREATE TYPE "Base ""T"" ü"."My Int";\n',
      'CREATE TYPE "Base ""T"" ü"."My Int" (\n    INTERNALLENGTH = 4,\n    INPUT = "Base ""T"" ü"."my int in",',
      "    DEFAULT = '42',\n    DELIMITER = ';',\n    ALIGNMENT = int4,\n    STORAGE = plain\n);",
      'TYPMOD_IN = "Base ""T"" ü".vtext_typmod_in,',
      'CREATE VIEW "Loop ""V"""."The View" AS\n SELECT NULL::integer AS "id",\n    NULL::text AS "Val ü";',
      'CREATE OR REPLACE VIEW "Loop ""V"""."The View" AS',
      'CREATE ACCESS METHOD "Heap ""2"" ü" TYPE TABLE HANDLER heap_tableam_handler;',
      'CREATE ACCESS METHOD "My Btree" TYPE INDEX HANDLER bthandler;',
      `COMMENT ON ACCESS METHOD "Heap ""2"" ü" IS 'heap again';`,
      'USING "Heap ""2"" ü"',
      'CREATE TABLE "Gen ""I"""."child" (\n    "c" text\n)\nINHERITS ("Gen ""I"""."parent");',
      `CREATE FOREIGN DATA WRAPPER "Fdw ""1"" ü" OPTIONS (\n    debug 'true'\n);`,
      'CREATE FOREIGN DATA WRAPPER "checked_fdw" VALIDATOR postgresql_fdw_validator;',
      `CREATE SERVER "Srv ""1""" TYPE 'remote' VERSION '1.0' FOREIGN DATA WRAPPER "plain_fdw" OPTIONS (\n    host 'db.example',\n    "Port" '5432'\n);`,
      `SERVER "Srv ""1""" OPTIONS (\n    "user" 'remote',\n    password 'secret ''x'''\n);`,
      'CREATE USER MAPPING FOR public SERVER "srv2";',
      'CREATE FOREIGN TABLE "Ft ""S"""."Remote ü" (',
      `ALTER FOREIGN TABLE ONLY "Ft ""S"""."Remote ü" ALTER COLUMN "id" OPTIONS (\n    column_name 'ID'\n);`,
      ')\nINHERITS ("Ft ""S"""."local_parent")\nSERVER "srv2";',
      'CREATE TABLE "Typed ""T"""."People" OF "Typed ""T""".person (\n    "Name ü" WITH OPTIONS NOT NULL,\n    "age" WITH OPTIONS NOT NULL,',
      'CREATE TABLE "Typed ""T"""."plain_of" OF "Typed ""T""".person;',
      'CREATE TYPE "Rng ""R"""."Int Range";\n',
      '    canonical = "Rng ""R"""."canon",\n    subtype_diff = "Rng ""R"""."Diff ü"\n',
      `CREATE CONVERSION "Conv ""C"""."Utf8 → Latin1" FOR 'UTF8' TO 'LATIN1' FROM utf8_to_iso8859_1;`,
      `CREATE DEFAULT CONVERSION "Conv ""C"""."latin1_utf8" FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;`,
      'CREATE TRANSFORM FOR "Tr ""T""".mood LANGUAGE plpgsql (FROM SQL WITH FUNCTION "Tr ""T""".mood_from_sql(internal), TO SQL WITH FUNCTION "Tr ""T""".mood_to_sql(internal));',
      `COMMENT ON TRANSFORM FOR "Tr ""T""".mood LANGUAGE plpgsql IS 'mood ''both ways''';`,
      `CREATE PUBLICATION "Pub ""1"" ü" WITH (publish = 'insert, update', publish_via_partition_root = true);`,
      `CREATE PUBLICATION "all_tables" FOR ALL TABLES WITH (publish = 'truncate');`,
      'ALTER PUBLICATION "empty_pub" ADD TABLE ONLY "Pub ""S"""."t1";',
      `CREATE SUBSCRIPTION "Sub ""1"" ü" CONNECTION 'host=203.0.113.1 port=5432 dbname=app user=rep' PUBLICATION "Pub ""1"" ü", "all_tables" WITH (connect = false, slot_name = 'my_slot', binary = true, streaming = on, synchronous_commit = 'local');`,
      `CREATE SUBSCRIPTION "sub_noslot" CONNECTION 'dbname=other' PUBLICATION "p" WITH (connect = false, slot_name = NONE`, // 18: then streaming = parallel, its new default
      `COMMENT ON SUBSCRIPTION "sub_noslot" IS 'no slot';`,
      'REVOKE ALL ON FUNCTION "Ext ""E"""."seg_size"("Ext ""E""".seg) FROM PUBLIC;',
      'REVOKE ALL ON TYPE "Ext ""E"""."seg" FROM PUBLIC;',
      `COMMENT ON LARGE OBJECT 424242 IS 'hello ''lo''';`,
      'GRANT ALL ON LARGE OBJECT 424242 TO PUBLIC;',
      'ALTER LARGE OBJECT 525252 OWNER TO "Lo Owner ""ü""";',
      `COMMENT ON LARGE OBJECT 525252 IS 'owned by ''Lo Owner''';`,
      'REVOKE ALL ON LARGE OBJECT 525252 FROM "Lo Owner ""ü""";\nGRANT SELECT ON LARGE OBJECT 525252 TO "Lo Owner ""ü""";\n',
      'GRANT SELECT ON LARGE OBJECT 525252 TO "lo reader" WITH GRANT OPTION;',
      'SET SESSION AUTHORIZATION "lo reader";\nGRANT SELECT ON LARGE OBJECT 525252 TO PUBLIC;\nRESET SESSION AUTHORIZATION;',
    ];
    // 16: a subquery in FROM needs no alias; pg_get_viewdef calls it unnamed_subquery.
    if (major >= 16) expected.push('unnamed_subquery');
    if (major >= 15) {
      expected.push(
        `ALTER PUBLICATION "Rows ""15""" ADD TABLE ONLY "Pub15 ü"."t" ("id", "A a") WHERE (((id > 10) AND ("A a" <> 'x'::text)));`,
        'ALTER PUBLICATION "schema_pub" ADD TABLES IN SCHEMA "Pub15 ü";',
      );
    }
    if (major >= 17) expected.push('GRANT MAINTAIN ON TABLE "Priv17"."only_maintain" TO PUBLIC;', 'GRANT SELECT,MAINTAIN ON TABLE "Priv17"."t" TO PUBLIC;');
    if (major >= 18) {
      expected.push(
        '    "V v" integer GENERATED ALWAYS AS ((a * 10)),\n',
        '    "s" integer GENERATED ALWAYS AS ((a + 1)) STORED',
        '"a" integer CONSTRAINT "A is ""set""" NOT NULL',
        'PRIMARY KEY (room, during WITHOUT OVERLAPS)',
      );
    }
    const missing = expected.filter((text) => !dump.text.includes(text));
    expect(missing).toEqual([]);
  });

  it('restores with psql into a copy that matches the source', async () => {
    target = await createTestDatabase(cluster, `every_kind_copy_${major}`);
    await restoreWithPsql(cluster, target.name, dump.file);
    if ((await pgDumpMajor()) >= major) {
      const [before, after] = await Promise.all([schemaDump(cluster, source.name), schemaDump(cluster, target.name)]);
      expect(after).toEqual(before);
    } else {
      const again = await nativeDumpToFile(cluster, target.name);
      expect(withoutDatabaseLine(again.text)).toEqual(withoutDatabaseLine(dump.text));
      const drift = await compareSchemas({ source: await side(source), target: await side(target) });
      expect(drift.drift).toEqual({ missing: [], extra: [], different: [] });
    }
    expect(await tableHashes(cluster, target.name)).toEqual(await tableHashes(cluster, source.name));
    expect(await largeObjectHashes(cluster, target.name)).toEqual(await largeObjectHashes(cluster, source.name));
    const metadata = await largeObjectMetadata(cluster, source.name);
    expect(metadata.find((lo) => lo.oid === '525252')).toMatchObject({ owner: 'Lo Owner "ü"', comment: "owned by 'Lo Owner'" });
    expect(await largeObjectMetadata(cluster, target.name)).toEqual(metadata);
  });
});
