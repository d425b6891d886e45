// Security labels on every kind of object that can carry one, through the native
// engine, on every major the run started: the test label provider
// (tests/support/seclabel-provider) is compiled for the server and loaded by every
// session of one superuser role, which labels the objects, dumps, restores with stock
// psql (its own sessions) and runs pgbak. The oracle is the existing kinds tests':
// pg_dump --schema-only of source and copy equal where the installed pg_dump can dump
// the server, else a native dump of the copy equal to the first byte for byte; and on
// every major the labels themselves (pg_seclabel, by object identity) equal.
import pg from 'pg';
import { quoteIdent } from '../../../../lib/sql/quote.js';
import { connectionInfo, createTestDatabase, getCluster, hasClientTools, query, runMajors, type ClusterInfo, type TestDatabase } from '../../../support/db.js';
import { nativeDumpToFile, pgDumpMajor, removeNativeDumpDirs, restoreWithPsql, schemaDump, type NativeDumpFile, type RoleLogin } from '../../../support/native-fidelity.js';
import { buildLabelProvider, canBuildLabelProvider, createLabelRole, type LabelProvider, type LabelRole } from '../../../support/seclabel-provider.js';

const describeWithProvider = hasClientTools(['pg_dump', 'psql']) && canBuildLabelProvider() ? describe : describe.skip;

const S = '"Lab ""S"" ü"';
const T = `${S}."T ""1"""`;
const P = 'pgbak_test';
const O = '"pgbak ""other"""';

/**
 * One object of each kind SECURITY LABEL accepts inside a database, each labelled
 * (some by both providers, some columns too), hostile names and labels included.
 */
export const labelledObjectsSql = `
CREATE SCHEMA ${S};
SECURITY LABEL FOR ${P} ON SCHEMA ${S} IS 'secret';
CREATE TABLE ${T} ("Col ü" integer, b text);
SECURITY LABEL FOR ${P} ON TABLE ${T} IS 'classified';
SECURITY LABEL FOR ${O} ON TABLE ${T} IS 'need ''to'' know';
SECURITY LABEL FOR ${P} ON COLUMN ${T}."Col ü" IS 'ü "eyes" only';
CREATE SEQUENCE ${S}."Seq ""q""";
SECURITY LABEL FOR ${P} ON SEQUENCE ${S}."Seq ""q""" IS 'unclassified';
CREATE VIEW ${S}."V v" AS SELECT "Col ü", b FROM ${T};
SECURITY LABEL FOR ${P} ON VIEW ${S}."V v" IS 'secret';
SECURITY LABEL FOR ${O} ON COLUMN ${S}."V v".b IS 'top secret';
CREATE MATERIALIZED VIEW ${S}.mv AS SELECT 1 AS x;
SECURITY LABEL FOR ${P} ON MATERIALIZED VIEW ${S}.mv IS 'classified';
SECURITY LABEL FOR ${P} ON COLUMN ${S}.mv.x IS 'secret';
CREATE FOREIGN DATA WRAPPER "Lab fdw";
CREATE SERVER "Lab srv" FOREIGN DATA WRAPPER "Lab fdw";
CREATE FOREIGN TABLE ${S}."Ft f" (a integer) SERVER "Lab srv";
SECURITY LABEL FOR ${P} ON FOREIGN TABLE ${S}."Ft f" IS 'top secret';
SECURITY LABEL FOR ${P} ON COLUMN ${S}."Ft f".a IS 'unclassified';
CREATE TYPE ${S}."Mood" AS ENUM ('sad', 'ok');
SECURITY LABEL FOR ${P} ON TYPE ${S}."Mood" IS 'secret';
CREATE TYPE ${S}.comp AS (x integer, "Y y" text);
SECURITY LABEL FOR ${P} ON TYPE ${S}.comp IS 'classified';
SECURITY LABEL FOR ${P} ON COLUMN ${S}.comp."Y y" IS 'top secret';
CREATE TYPE ${S}.rng AS RANGE (subtype = float8);
SECURITY LABEL FOR ${O} ON TYPE ${S}.rng IS 'unclassified';
CREATE DOMAIN ${S}."Dom d" AS integer CHECK (VALUE > 0);
SECURITY LABEL FOR ${P} ON DOMAIN ${S}."Dom d" IS 'secret';
CREATE FUNCTION ${S}."F f"(integer, text) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1';
SECURITY LABEL FOR ${P} ON FUNCTION ${S}."F f"(integer, text) IS 'need ''to'' know';
CREATE PROCEDURE ${S}."P p"(integer) LANGUAGE sql AS 'SELECT 1';
SECURITY LABEL FOR ${P} ON PROCEDURE ${S}."P p"(integer) IS 'classified';
CREATE AGGREGATE ${S}."Agg a"(integer) (SFUNC = int4pl, STYPE = integer);
SECURITY LABEL FOR ${P} ON AGGREGATE ${S}."Agg a"(integer) IS 'secret';
CREATE FUNCTION ${S}."Pl handler"() RETURNS language_handler AS '$libdir/plpgsql', 'plpgsql_call_handler' LANGUAGE c;
CREATE LANGUAGE "Lab PL" HANDLER ${S}."Pl handler";
SECURITY LABEL FOR ${P} ON LANGUAGE "Lab PL" IS 'top secret';
CREATE FUNCTION ${S}."Evt fn"() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$;
CREATE EVENT TRIGGER "Lab ""evt""" ON ddl_command_end EXECUTE FUNCTION ${S}."Evt fn"();
SECURITY LABEL FOR ${P} ON EVENT TRIGGER "Lab ""evt""" IS 'secret';
CREATE PUBLICATION "Lab ""pub""" FOR TABLE ${T};
SECURITY LABEL FOR ${P} ON PUBLICATION "Lab ""pub""" IS 'classified';
CREATE SUBSCRIPTION "Lab sub" CONNECTION 'dbname=nowhere' PUBLICATION p WITH (connect = false, slot_name = NONE, enabled = false);
SECURITY LABEL FOR ${P} ON SUBSCRIPTION "Lab sub" IS 'unclassified';
SELECT pg_catalog.lo_create(616161);
SECURITY LABEL FOR ${P} ON LARGE OBJECT 616161 IS 'top secret';
`;

/**
 * Every label of a database, by the identity of what it labels: pg_seclabel, and
 * pg_shseclabel for its subscriptions (a shared catalog's rows).
 */
async function labels(cluster: ClusterInfo, database: string) {
  return query(
    cluster,
    database,
    `SELECT o.type, o.identity, l.provider, l.label
       FROM (SELECT classoid, objoid, objsubid, provider, label FROM pg_catalog.pg_seclabel
             UNION ALL
             SELECT s.classoid, s.objoid, 0, s.provider, s.label FROM pg_catalog.pg_shseclabel s
               JOIN pg_catalog.pg_subscription sub ON s.classoid = 'pg_catalog.pg_subscription'::pg_catalog.regclass AND sub.oid = s.objoid
              WHERE sub.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())) l,
            pg_catalog.pg_identify_object(l.classoid, l.objoid, l.objsubid) o
      ORDER BY 1, 2, 3`,
  );
}

/** Runs SQL as `login` (so in a session that loaded the provider). */
async function queryAs(cluster: ClusterInfo, database: string, login: RoleLogin, sql: string): Promise<void> {
  const client = new pg.Client({ ...connectionInfo(cluster, database), user: login.user, password: login.password });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function dropSubscriptions(cluster: ClusterInfo, db: TestDatabase | undefined): Promise<void> {
  if (!db) return;
  const subs = await query<{ name: string }>(cluster, db.name, 'SELECT subname AS name FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())');
  for (const { name } of subs) await query(cluster, db.name, `DROP SUBSCRIPTION ${quoteIdent(name)}`);
}

/** The dump without the header line that names the database dumped. */
const withoutDatabaseLine = (text: string) => text.replace(/^-- Database: .*$/m, '');

describeWithProvider.each(runMajors())('security labels on PostgreSQL %i', (major) => {
  let cluster: ClusterInfo;
  let provider: LabelProvider | undefined;
  let role: LabelRole | undefined;
  let source: TestDatabase | undefined;
  let target: TestDatabase | undefined;
  let dump: NativeDumpFile;

  beforeAll(async () => {
    cluster = getCluster(major);
    provider = await buildLabelProvider(major);
    role = await createLabelRole(cluster, provider);
    source = await createTestDatabase(cluster, `seclabel_${major}`);
    await queryAs(cluster, source.name, role, labelledObjectsSql);
    dump = await nativeDumpToFile(cluster, source.name, { login: role });
  });

  afterAll(async () => {
    try {
      for (const db of [source, target]) await dropSubscriptions(cluster, db);
      await source?.drop();
      await target?.drop();
      await role?.drop();
    } finally {
      await provider?.remove();
      await removeNativeDumpDirs();
    }
  });

  it('loads the provider, which refuses a label it does not know', async () => {
    await expect(queryAs(cluster, source!.name, role!, `SECURITY LABEL FOR ${P} ON SCHEMA ${S} IS 'bogus'`)).rejects.toThrow(/"bogus" is not a label it accepts/);
  });

  it('writes every label, by the provider named, after its object', () => {
    expect(dump.result.warnings).toEqual([]);
    const q = (label: string) => `'${label.replace(/'/g, "''")}'`;
    const p = `"${P}"`;
    const expected = [
      `SECURITY LABEL FOR ${p} ON SCHEMA ${S} IS 'secret';`,
      `SECURITY LABEL FOR ${p} ON TABLE ${T} IS 'classified';`,
      `SECURITY LABEL FOR ${O} ON TABLE ${T} IS ${q("need 'to' know")};`,
      `SECURITY LABEL FOR ${p} ON COLUMN ${T}."Col ü" IS ${q('ü "eyes" only')};`,
      `SECURITY LABEL FOR ${p} ON SEQUENCE ${S}."Seq ""q""" IS 'unclassified';`,
      `SECURITY LABEL FOR ${p} ON VIEW ${S}."V v" IS 'secret';`,
      `SECURITY LABEL FOR ${O} ON COLUMN ${S}."V v"."b" IS 'top secret';`,
      `SECURITY LABEL FOR ${p} ON MATERIALIZED VIEW ${S}."mv" IS 'classified';`,
      `SECURITY LABEL FOR ${p} ON COLUMN ${S}."mv"."x" IS 'secret';`,
      `SECURITY LABEL FOR ${p} ON FOREIGN TABLE ${S}."Ft f" IS 'top secret';`,
      `SECURITY LABEL FOR ${p} ON COLUMN ${S}."Ft f"."a" IS 'unclassified';`,
      `SECURITY LABEL FOR ${p} ON TYPE ${S}."Mood" IS 'secret';`,
      `SECURITY LABEL FOR ${p} ON TYPE ${S}."comp" IS 'classified';`,
      // pg_dump leaves a composite type's column labels out; the native engine keeps them.
      `SECURITY LABEL FOR ${p} ON COLUMN ${S}."comp"."Y y" IS 'top secret';`,
      `SECURITY LABEL FOR ${O} ON TYPE ${S}."rng" IS 'unclassified';`,
      `SECURITY LABEL FOR ${p} ON DOMAIN ${S}."Dom d" IS 'secret';`,
      `SECURITY LABEL FOR ${p} ON FUNCTION ${S}."F f"(integer, text) IS ${q("need 'to' know")};`,
      `SECURITY LABEL FOR ${p} ON PROCEDURE ${S}."P p"(IN integer) IS 'classified';`,
      `SECURITY LABEL FOR ${p} ON AGGREGATE ${S}."Agg a"(integer) IS 'secret';`,
      `SECURITY LABEL FOR ${p} ON LANGUAGE "Lab PL" IS 'top secret';`,
      `SECURITY LABEL FOR ${p} ON EVENT TRIGGER "Lab ""evt""" IS 'secret';`,
      `SECURITY LABEL FOR ${p} ON PUBLICATION "Lab ""pub""" IS 'classified';`,
      `SECURITY LABEL FOR ${p} ON SUBSCRIPTION "Lab sub" IS 'unclassified';`,
      `SECURITY LABEL FOR ${p} ON LARGE OBJECT 616161 IS 'top secret';`,
    ];
    const written = dump.text.split('\n').filter((line) => line.startsWith('SECURITY LABEL'));
    expect([...written].sort()).toEqual([...expected].sort());
    // Each after the statement that creates its object.
    const created = (what: RegExp) => dump.text.search(what);
    expect(dump.text.indexOf(expected[1]!)).toBeGreaterThan(created(/^CREATE TABLE "Lab ""S"" ü"\."T ""1"""/m));
    expect(dump.text.indexOf(expected[20]!)).toBeGreaterThan(created(/^CREATE EVENT TRIGGER "Lab ""evt"""/m));
    expect(dump.text.indexOf(expected[22]!)).toBeGreaterThan(created(/^CREATE SUBSCRIPTION "Lab sub"/m));
    expect(dump.text.indexOf(expected[23]!)).toBeGreaterThan(created(/lo_create\('?616161/m));
  });

  it('restores with psql into a copy with the same labels', async () => {
    target = await createTestDatabase(cluster, `seclabel_copy_${major}`);
    await restoreWithPsql(cluster, target.name, dump.file, role);
    const before = await labels(cluster, source!.name);
    expect(await labels(cluster, target.name)).toEqual(before);
    if ((await pgDumpMajor()) >= major) {
      const [a, b] = await Promise.all([schemaDump(cluster, source!.name), schemaDump(cluster, target.name)]);
      expect(b).toEqual(a);
    } else {
      const again = await nativeDumpToFile(cluster, target.name, { login: role });
      expect(withoutDatabaseLine(again.text)).toEqual(withoutDatabaseLine(dump.text));
    }
  });
});
