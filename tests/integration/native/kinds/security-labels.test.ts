// Security labels on every kind of object that can carry one, through the native
// engine, on every major the run started: the test label provider
// (tests/support/seclabel-provider) is compiled for the server and loaded by every
// session of one superuser role, which labels the objects, dumps, restores with stock
// psql (its own sessions) and runs pgbak. The oracle is the existing kinds tests':
// pg_dump --schema-only of source and copy equal where the installed pg_dump can dump
// the server, else a native dump of the copy equal to the first byte for byte; and on
// every major the labels themselves (pg_seclabel, by object identity) equal. Roles
// and tablespaces go through the native globals (replayed with psql), the database's
// own labels through the manifest's databaseDefinition and `pgbak restore --create`.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { dumpNativeGlobals } from '../../../../lib/engines/native/globals.js';
import { quoteIdent, quoteLiteral } from '../../../../lib/sql/quote.js';
import { runCli } from '../../../support/cli.js';
import { connectionInfo, createTestDatabase, getCluster, hasClientTools, pgEnv, query, runMajors, type ClusterInfo, type TestDatabase } from '../../../support/db.js';
import { removeTempDirs, runBackup } from '../../../support/restore-helpers.js';
import { nativeDumpToFile, pgDumpMajor, removeNativeDumpDirs, restoreWithPsql, schemaDump, type NativeDumpFile, type RoleLogin } from '../../../support/native-fidelity.js';
import { buildLabelProvider, canBuildLabelProvider, createLabelRole, type LabelProvider, type LabelRole } from '../../../support/seclabel-provider.js';

const describeWithProvider = hasClientTools(['pg_dump', 'psql']) && canBuildLabelProvider() ? describe : describe.skip;

/** The run's majors whose server runs on this machine: a server in a container cannot load a library built here. */
function localMajors(): number[] {
  const majors = runMajors();
  const local = majors.filter((major) => getCluster(major).kind === 'embedded');
  const remote = majors.filter((major) => !local.includes(major));
  if (remote.length > 0) console.warn(`skipping the security label round trips on PostgreSQL ${remote.join(', ')}: the server runs in a container, which cannot load the provider built here`);
  return local;
}

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

/** The labels of one row of a shared catalog, in the catalog's order (pg_dumpall's and pg_dump --create's). */
async function sharedLabels(cluster: ClusterInfo, catalog: string, objectOid: string) {
  return query(cluster, 'postgres', `SELECT provider, label FROM pg_catalog.pg_shseclabel WHERE classoid = $1::pg_catalog.regclass AND objoid = $2::pg_catalog.oid ORDER BY ctid`, [catalog, objectOid]);
}

/** libpq environment for a child process (psql, pgbak) that logs in as `login`. */
function envAs(cluster: ClusterInfo, database: string, login: RoleLogin): Record<string, string> {
  return { ...pgEnv(cluster, database), PGUSER: login.user, PGPASSWORD: login.password };
}

async function dropSubscriptions(cluster: ClusterInfo, db: TestDatabase | undefined): Promise<void> {
  if (!db) return;
  const subs = await query<{ name: string }>(cluster, db.name, 'SELECT subname AS name FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())');
  for (const { name } of subs) await query(cluster, db.name, `DROP SUBSCRIPTION ${quoteIdent(name)}`);
}

/** The dump without the header line that names the database dumped. */
const withoutDatabaseLine = (text: string) => text.replace(/^-- Database: .*$/m, '');

describeWithProvider.each(localMajors())('security labels on PostgreSQL %i', (major) => {
  let cluster: ClusterInfo;
  let provider: LabelProvider | undefined;
  let role: LabelRole | undefined;
  let source: TestDatabase | undefined;
  let target: TestDatabase | undefined;
  let dump: NativeDumpFile;
  /** Databases made by name (hostile ones) and dropped in afterAll. */
  const databases: string[] = [];
  const suffix = randomBytes(3).toString('hex');

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
      for (const name of databases) await query(cluster, 'postgres', `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      await role?.drop();
    } finally {
      await provider?.remove();
      await removeNativeDumpDirs();
      await removeTempDirs();
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

  it('is dumped with the same labels by a SELECT-only role (but the subscription, which only a superuser may read)', async () => {
    const reader = { user: `seclabel_reader_${suffix}`, password: 'pw' };
    await query(cluster, 'postgres', `CREATE ROLE ${reader.user} LOGIN PASSWORD '${reader.password}'; GRANT pg_read_all_data TO ${reader.user}`);
    try {
      await query(cluster, 'postgres', `GRANT CONNECT ON DATABASE ${quoteIdent(source!.name)} TO ${reader.user}`);
      // The large object's data needs a grant of its own: left out, its metadata and label stay.
      const readOnly = await nativeDumpToFile(cluster, source!.name, { login: reader, skipUnreadable: true });
      const labelLines = (text: string) => text.split('\n').filter((line) => line.startsWith('SECURITY LABEL') && !line.includes(' ON SUBSCRIPTION '));
      expect(labelLines(readOnly.text)).toEqual(labelLines(dump.text));
      expect(labelLines(readOnly.text)).toHaveLength(23);
    } finally {
      await query(cluster, 'postgres', `REVOKE CONNECT ON DATABASE ${quoteIdent(source!.name)} FROM ${reader.user}`);
      await query(cluster, 'postgres', `DROP ROLE ${reader.user}`);
    }
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

  it('writes the labels of roles and tablespaces into the native globals, and psql gives them back', async () => {
    const labelled = `Lab "role" ü ${suffix}`;
    const r = quoteIdent(labelled);
    const space = `Lab "space" ${suffix}`;
    const t = quoteIdent(space);
    // A tablespace needs an empty folder the server's OS user owns (embedded clusters only).
    const location = cluster.kind === 'embedded' && cluster.dataDir ? mkdtempSync(join(tmpdir(), 'pgbak-seclabel-space-')) : null;
    try {
      if (location) {
        const owner = statSync(cluster.dataDir!);
        chmodSync(location, 0o700);
        if (process.getuid?.() === 0) chownSync(location, owner.uid, owner.gid);
        await query(cluster, 'postgres', `CREATE TABLESPACE ${t} LOCATION ${quoteLiteral(location)}`);
        await queryAs(cluster, 'postgres', role!, `SECURITY LABEL FOR ${O} ON TABLESPACE ${t} IS 'secret'; SECURITY LABEL FOR ${P} ON TABLESPACE ${t} IS 'unclassified'`);
      }
      await query(cluster, 'postgres', `CREATE ROLE ${r}`);
      await queryAs(cluster, 'postgres', role!, `SECURITY LABEL FOR ${P} ON ROLE ${r} IS 'top secret'; SECURITY LABEL FOR ${O} ON ROLE ${r} IS 'ü "eyes" only'`);
      const roleOid = (await query<{ oid: string }>(cluster, 'postgres', 'SELECT oid::text FROM pg_catalog.pg_roles WHERE rolname = $1', [labelled]))[0]!.oid;
      const roleLabels = await sharedLabels(cluster, 'pg_catalog.pg_authid', roleOid);
      const spaceOid = async () => (await query<{ oid: string }>(cluster, 'postgres', 'SELECT oid::text FROM pg_catalog.pg_tablespace WHERE spcname = $1', [space]))[0]!.oid;
      const spaceLabels = location ? await sharedLabels(cluster, 'pg_catalog.pg_tablespace', await spaceOid()) : [];

      const client = new pg.Client(connectionInfo(cluster, 'postgres'));
      await client.connect();
      const globals = await dumpNativeGlobals(client, { serverMajor: major }).finally(() => client.end());

      expect(globals.sql).toContain(`SECURITY LABEL FOR "${P}" ON ROLE ${r} IS 'top secret';\nSECURITY LABEL FOR ${O} ON ROLE ${r} IS 'ü "eyes" only';\n`);
      if (location) expect(globals.sql).toContain(`SECURITY LABEL FOR ${O} ON TABLESPACE ${t} IS 'secret';\nSECURITY LABEL FOR "${P}" ON TABLESPACE ${t} IS 'unclassified';\n`);
      // Replayed (only this test's lines: the clusters are shared) once the role and the tablespace are gone.
      const ours = globals.sql.split('\n').filter((line) => line.includes(r) || line.includes(t)).join('\n');
      await query(cluster, 'postgres', `DROP ROLE ${r}`);
      if (location) await query(cluster, 'postgres', `DROP TABLESPACE ${t}`);
      execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'], { input: ours, env: { ...process.env, ...envAs(cluster, 'postgres', role!) }, stdio: ['pipe', 'pipe', 'pipe'] });

      const replayedRole = (await query<{ oid: string }>(cluster, 'postgres', 'SELECT oid::text FROM pg_catalog.pg_roles WHERE rolname = $1', [labelled]))[0]!.oid;
      expect(await sharedLabels(cluster, 'pg_catalog.pg_authid', replayedRole)).toEqual(roleLabels);
      expect(roleLabels).toHaveLength(2);
      if (location) {
        expect(await sharedLabels(cluster, 'pg_catalog.pg_tablespace', await spaceOid())).toEqual(spaceLabels);
        expect(spaceLabels).toHaveLength(2);
      }
    } finally {
      try {
        await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${r}`);
        await query(cluster, 'postgres', `DROP TABLESPACE IF EXISTS ${t}`);
      } finally {
        if (location) rmSync(location, { recursive: true, force: true });
      }
    }
  });

  it("records the database's labels in the manifest, and pgbak restore --create gives them back", async () => {
    const name = `Lab "db" ü ${major} ${suffix}`;
    const copy = `Lab 'copy' ${major} ${suffix}`;
    databases.push(name, copy);
    await query(cluster, 'postgres', `CREATE DATABASE ${quoteIdent(name)}`);
    await queryAs(
      cluster,
      name,
      role!,
      `SECURITY LABEL FOR ${P} ON DATABASE ${quoteIdent(name)} IS 'classified';
       SECURITY LABEL FOR ${O} ON DATABASE ${quoteIdent(name)} IS 'need ''to'' know';
       CREATE TABLE "T t" (id integer); SECURITY LABEL FOR ${P} ON TABLE "T t" IS 'secret'; SECURITY LABEL FOR ${P} ON COLUMN "T t".id IS 'top secret'`,
    );
    const backup = await runBackup(['full', '--engine', 'native'], envAs(cluster, name, role!));
    try {
      expect(backup.manifest.steps[0]!.databaseDefinition?.securityLabels).toEqual([
        { provider: P, label: 'classified' },
        { provider: 'pgbak "other"', label: "need 'to' know" },
      ]);

      // pgbak's own sessions (the role's: each loads the provider) create the database, restore into it and label it.
      const result = await runCli(['restore', backup.archive, '--target', copy, '--create'], { env: envAs(cluster, 'postgres', role!) });

      expect(result.stderr).not.toMatch(/error/i);
      expect(result.exitCode).toBe(0);
      const oidOf = async (db: string) => (await query<{ oid: string }>(cluster, 'postgres', 'SELECT oid::text FROM pg_catalog.pg_database WHERE datname = $1', [db]))[0]!.oid;
      expect(await sharedLabels(cluster, 'pg_catalog.pg_database', await oidOf(copy))).toEqual(await sharedLabels(cluster, 'pg_catalog.pg_database', await oidOf(name)));
      expect(await labels(cluster, copy)).toEqual(await labels(cluster, name));
      expect(await labels(cluster, copy)).toHaveLength(2);

      // A split layout restored by parallel sessions (each the role's, each loading the provider).
      const split = await runBackup(['full', '--engine', 'native', '--layout', 'split'], envAs(cluster, name, role!));
      try {
        const parallel = `Lab 'split' ${major} ${suffix}`;
        databases.push(parallel);
        const restored = await runCli(['restore', split.archive, '--target', parallel, '--create', '--jobs', '2'], { env: envAs(cluster, 'postgres', role!) });
        expect(restored.exitCode).toBe(0);
        expect(await sharedLabels(cluster, 'pg_catalog.pg_database', await oidOf(parallel))).toEqual(await sharedLabels(cluster, 'pg_catalog.pg_database', await oidOf(name)));
        expect(await labels(cluster, parallel)).toEqual(await labels(cluster, name));
      } finally {
        split.reader.close();
      }
    } finally {
      backup.reader.close();
    }
  });
});
