// The database itself, as `pg_dump --create` dumps it: a native backup records the
// database's encoding, locale provider and locales, owner, comment, connection limit,
// settings (its own and its roles' in it) and grants, and `pgbak restore --create`
// gives them to the database it creates, under whatever name it is given (hostile
// names included). Without --create, as pg_restore without --create, none of it
// touches an existing target. On every major the run started; where the installed
// pg_dump can dump the server, `pg_dump --create --schema-only` of source and copy
// must also agree (but for the name).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';
import { runCli, type CliResult } from '../../support/cli.js';
import { getCluster, hasClientTools, pgEnv, query, runMajors, type ClusterInfo } from '../../support/db.js';
import { pgDumpMajor } from '../../support/native-fidelity.js';
import { extractEntry, makeTempDir, removeTempDirs, runBackup, type Backup } from '../../support/restore-helpers.js';
import { quoteIdent, quoteLiteral } from '../../../lib/sql/quote.js';

const describeWithTools = hasClientTools(['psql']) ? describe : describe.skip;

/** What pg_database and its shared catalogs say about a database, role and database names left out. */
async function databaseProperties(cluster: ClusterInfo, name: string) {
  const major = cluster.major;
  const provider = major >= 15 ? 'd.datlocprovider::text' : "'c'";
  const locale = major >= 17 ? 'd.datlocale' : major >= 15 ? 'd.daticulocale' : 'NULL::text';
  const rules = major >= 16 ? 'd.daticurules' : 'NULL::text';
  const [row] = await query(
    cluster,
    'postgres',
    `SELECT pg_catalog.pg_encoding_to_char(d.encoding) AS encoding, ${provider} AS provider, d.datcollate, d.datctype,
            ${locale}::text AS locale, ${rules}::text AS icu_rules, d.datconnlimit, d.datistemplate,
            pg_catalog.pg_get_userbyid(d.datdba) AS owner,
            -- A set: a REVOKE changes an item in place, the restore's GRANT appends it.
            CASE WHEN d.datacl IS NOT NULL THEN ARRAY(SELECT a::text FROM pg_catalog.unnest(d.datacl) a ORDER BY 1) END AS acl,
            pg_catalog.shobj_description(d.oid, 'pg_database') AS comment,
            ARRAY(SELECT COALESCE(r.rolname, '-') || ': ' || pg_catalog.array_to_string(s.setconfig, ' | ')
                    FROM pg_catalog.pg_db_role_setting s LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
                   WHERE s.setdatabase = d.oid ORDER BY 1) AS settings
       FROM pg_catalog.pg_database d WHERE d.datname = $1`,
    [name],
  );
  return row;
}

/** `pg_dump --create --schema-only` of a database, its name (quoted or not) replaced by `<db>`, its \connect and \restrict lines (a random key) left out. */
async function createDump(cluster: ClusterInfo, name: string): Promise<string> {
  const { stdout } = await execa('pg_dump', ['--create', '--schema-only', '--dbname', name], { env: pgEnv(cluster, name) });
  return stdout
    .split(quoteIdent(name))
    .join('<db>')
    .split(name)
    .join('<db>')
    .split('\n')
    .filter((line) => !/^\\(connect|restrict|unrestrict) /.test(line) && !/^-- Dumped (from|by)/.test(line))
    .join('\n');
}

describeWithTools.each(runMajors())('the database itself (--create) on PostgreSQL %i', (major) => {
  let cluster: ClusterInfo;
  const suffix = randomBytes(3).toString('hex');
  const owner = `Db Owner "O" ${suffix}`;
  const friend = `db friend ${suffix}`;
  const source = `Db "Src" ü ${major} ${suffix}`;
  const targets: string[] = [];
  let backup: Backup;
  let create: string;
  let icu = false;

  const pgbak = (args: string[]): Promise<CliResult> => runCli(args, { env: pgEnv(cluster, 'postgres') });
  const target = (label: string) => {
    const name = `Db 'Copy' "${label}" ${major} ${suffix}`;
    targets.push(name);
    return name;
  };

  beforeAll(async () => {
    cluster = getCluster(major);
    icu = major >= 15 && (await query(cluster, 'postgres', "SELECT 1 FROM pg_catalog.pg_collation WHERE collprovider = 'i' LIMIT 1")).length > 0;
    // Each major its own provider: 14 libc with two locales, 15 and 16 ICU (16 with
    // rules), 17 and 18 the builtin provider; LATIN1 where the locale allows it.
    if (major >= 17) create = "ENCODING 'UTF8' LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C.UTF-8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'";
    else if (icu) create = `ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'de-DE' LOCALE 'C.UTF-8'${major >= 16 ? " ICU_RULES '&a < b'" : ''}`;
    else create = "ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'POSIX'";
    const q = quoteIdent(source);
    await query(
      cluster,
      'postgres',
      `CREATE ROLE ${quoteIdent(owner)} LOGIN; CREATE ROLE ${quoteIdent(friend)}`,
    );
    await query(cluster, 'postgres', `CREATE DATABASE ${q} TEMPLATE template0 ${create} OWNER ${quoteIdent(owner)} CONNECTION LIMIT 7`);
    await query(
      cluster,
      'postgres',
      `COMMENT ON DATABASE ${q} IS ${quoteLiteral("the 'source'\nsecond line")};
       ALTER DATABASE ${q} SET search_path TO "My ""S""", public;
       ALTER DATABASE ${q} SET work_mem TO '5MB';
       ALTER ROLE ${quoteIdent(friend)} IN DATABASE ${q} SET statement_timeout TO '3s';
       REVOKE TEMPORARY ON DATABASE ${q} FROM PUBLIC;
       GRANT CONNECT ON DATABASE ${q} TO ${quoteIdent(friend)};
       GRANT CREATE ON DATABASE ${q} TO ${quoteIdent(friend)} WITH GRANT OPTION`,
    );
    await query(cluster, source, 'CREATE TABLE kept (id int PRIMARY KEY); INSERT INTO kept VALUES (1), (2)');
    backup = await runBackup(['full', '--engine', 'native'], pgEnv(cluster, source));
  });

  afterAll(async () => {
    backup?.reader.close();
    await removeTempDirs();
    if (!cluster) return;
    for (const name of [source, ...targets]) {
      await query(cluster, 'postgres', `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    }
    await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${quoteIdent(owner)}; DROP ROLE IF EXISTS ${quoteIdent(friend)}`);
  });

  it('records the database in the manifest as pg_dump --create reads it', () => {
    const step = backup.manifest.steps.find((s) => s.database === source)!;
    expect(step.databaseDefinition).toMatchObject({
      owner,
      connectionLimit: 7,
      isTemplate: false,
      comment: "the 'source'\nsecond line",
      settings: [
        { role: null, setting: 'search_path="My ""S""", public' },
        { role: null, setting: 'work_mem=5MB' },
        { role: friend, setting: 'statement_timeout=3s' },
      ],
    });
  });

  it('restore --create makes a database with the source’s encoding, locale, owner, comment, settings and grants', async () => {
    const copy = target('create');

    const result = await pgbak(['restore', backup.archive, '--target', copy, '--create']);

    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);
    expect(await databaseProperties(cluster, copy)).toEqual(await databaseProperties(cluster, source));
    expect(await query(cluster, copy, 'SELECT id FROM kept ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    // Guards that the comparison compares something.
    expect(await databaseProperties(cluster, copy)).toMatchObject({ owner, datconnlimit: 7, ...(major >= 17 ? { provider: 'b', locale: 'C.UTF-8' } : icu ? { provider: 'i', locale: 'de-DE' } : { encoding: 'LATIN1' }) });
    if ((major === 14 || major === 15) && (await pgDumpMajor()) >= major) {
      expect(await createDump(cluster, copy)).toEqual(await createDump(cluster, source));
    }
  });

  it('with psql alone, the --dry-run statements around the unzipped file give the same database', async () => {
    const copy = target('psql');
    const dry = await pgbak(['restore', backup.archive, '--target', copy, '--create', '--dry-run']);
    expect(dry.exitCode).toBe(0);
    // Statements end with ';' before their note; a comment may span lines.
    const statements = dry.stdout.split(/(?<=;  -- [^\n]*)\n/).filter((s) => / {2}-- (if missing|once restored)/.test(s));
    const before = statements.filter((s) => s.endsWith('-- if missing')).map((s) => s.replace(/^.*?(?=(CREATE|ALTER) DATABASE)/s, ''));
    const after = statements.filter((s) => s.endsWith('if it was missing'));
    const dir = await makeTempDir('pgbak-dbc-');
    const file = await extractEntry(backup.reader, backup.manifest.steps[0]!.entries[0]!.name, join(dir, 'dump.sql'));
    const psql = (database: string, args: string[], input?: string) =>
      execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', database, ...args], { env: pgEnv(cluster, database), ...(input === undefined ? {} : { input }) });

    for (const sql of before) await psql('postgres', ['-c', sql]); // CREATE DATABASE: not in a transaction
    await psql(copy, ['--single-transaction', '-f', file]);
    await psql('postgres', ['-f', '-'], `${after.join('\n')}\n`);

    expect(before[0]).toMatch(/^CREATE DATABASE /);
    expect(await databaseProperties(cluster, copy)).toEqual(await databaseProperties(cluster, source));
  });

  it('a split-layout backup restored in parallel with --create gets the same properties', async () => {
    const split = await runBackup(['full', '--engine', 'native', '--layout', 'split'], pgEnv(cluster, source));
    try {
      const copy = target('split');

      const result = await pgbak(['restore', split.archive, '--target', copy, '--create', '--jobs', '2']);

      expect(result.exitCode).toBe(0);
      expect(split.manifest.steps[0]!.databaseDefinition).toEqual(backup.manifest.steps[0]!.databaseDefinition);
      expect(await databaseProperties(cluster, copy)).toEqual(await databaseProperties(cluster, source));
    } finally {
      split.reader.close();
    }
  });

  it('without --create, an existing target keeps its own properties (as pg_restore without --create)', async () => {
    const existing = target('existing');
    await query(cluster, 'postgres', `CREATE DATABASE ${quoteIdent(existing)} TEMPLATE template0`);
    const before = await databaseProperties(cluster, existing);

    const result = await pgbak(['restore', backup.archive, '--target', existing]);

    expect(result.exitCode).toBe(0);
    expect(await databaseProperties(cluster, existing)).toEqual(before);
    expect(await query(cluster, existing, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 2 }]);
  });

  it('refuses --create before creating anything when a role the database names does not exist (exit 2)', async () => {
    const copy = target('no role');
    const gone = `db gone ${suffix}`;
    await query(cluster, 'postgres', `CREATE ROLE ${quoteIdent(gone)}`);
    await query(cluster, 'postgres', `GRANT CONNECT ON DATABASE ${quoteIdent(source)} TO ${quoteIdent(gone)}`);
    const withGone = await runBackup(['full', '--engine', 'native'], pgEnv(cluster, source));
    try {
      await query(cluster, 'postgres', `REVOKE CONNECT ON DATABASE ${quoteIdent(source)} FROM ${quoteIdent(gone)}; DROP ROLE ${quoteIdent(gone)}`);

      const result = await pgbak(['restore', withGone.archive, '--target', copy, '--create']);

      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`cannot create database "${copy}" as it was dumped: role ${quoteIdent(gone)} does not exist on this server`);
      expect(await query(cluster, 'postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [copy])).toEqual([]);
    } finally {
      withGone.reader.close();
    }
  });

  it('--dry-run prints CREATE DATABASE with the definition and the properties, and creates nothing', async () => {
    const copy = target('dry');

    const result = await pgbak(['restore', backup.archive, '--target', copy, '--create', '--dry-run']);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`CREATE DATABASE ${quoteIdent(copy)} WITH TEMPLATE = template0 ENCODING = `);
    expect(result.stdout).toContain(`ALTER DATABASE ${quoteIdent(copy)} OWNER TO ${quoteIdent(owner)}`);
    expect(result.stdout).toContain(`ALTER ROLE ${quoteIdent(friend)} IN DATABASE ${quoteIdent(copy)} SET "statement_timeout" TO '3s'`);
    expect(result.stdout).toContain(`ALTER DATABASE ${quoteIdent(copy)} SET "search_path" TO 'My "S"', 'public'`);
    expect(result.stdout).toContain(`ALTER DATABASE ${quoteIdent(copy)} CONNECTION LIMIT = 7;  -- once restored, if it was missing\n`);
    expect(await query(cluster, 'postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [copy])).toEqual([]);
  });
});
