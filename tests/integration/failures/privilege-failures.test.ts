// A role that may not read everything: the native engine's refusal names every
// GRANT at once (exit 2: a configuration to fix), and a run that leaves out what
// it may not read prints each warning once.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { repoRoot, runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, runMajors, type TestDatabase } from '../../support/db.js';
import { listTree, tempDirs } from './helpers.js';

const cluster = getCluster(15);
const dirs = tempDirs();
const databases: TestDatabase[] = [];
const roles: string[] = [];

async function freshDatabase(prefix: string): Promise<TestDatabase> {
  const database = await createTestDatabase(cluster, prefix);
  databases.push(database);
  return database;
}

async function freshRole(prefix: string): Promise<string> {
  const role = `${prefix}_${randomBytes(3).toString('hex')}`;
  await query(cluster, 'postgres', `CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN PASSWORD 'pw'`);
  roles.push(role);
  return role;
}

afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
  for (const role of roles) await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
  await dirs.removeAll();
});

async function profileDir(yaml: string): Promise<string> {
  const dir = await dirs.make();
  await mkdir(path.join(dir, 'profiles'));
  await writeFile(path.join(dir, 'profiles', 'p.yaml'), yaml);
  return dir;
}

describe('a role that cannot read everything', () => {
  it('prints each warning once when pg_dump is refused and the native engine leaves out what the role cannot read', async () => {
    const database = await freshDatabase('warnonce');
    const role = await freshRole('warnonce');
    const tables = Array.from({ length: 5 }, (_, i) => `CREATE TABLE public.hidden${i} (id serial PRIMARY KEY); INSERT INTO public.hidden${i} DEFAULT VALUES;`).join('\n');
    await query(cluster, database.name, `CREATE TABLE public.open (id int); INSERT INTO public.open VALUES (1); ${tables} GRANT SELECT ON public.open TO ${pg.escapeIdentifier(role)};`);
    const dir = await profileDir('steps:\n  - kind: full\n    skipUnreadable: true\n');

    const result = await runCli(['run', 'p', '--output-dir', path.join(dir, 'out')], { env: { ...pgEnv(cluster, database.name), PGUSER: role, PGPASSWORD: 'pw' }, cwd: dir });

    expect(result.exitCode).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => /warn/i.test(line));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings).toEqual([...new Set(warnings)]);
    // Left out, said once each: not also "not counted" by the row counts.
    for (let i = 0; i < 5; i++) {
      expect(warnings.filter((line) => line.includes(`hidden${i}"`) || line.includes(`hidden${i}:`))).toEqual([
        `pgbak: warning: no SELECT privilege on "public"."hidden${i}": its rows were left out`,
      ]);
    }
  });

  it('refuses a native backup with exit 2 naming every GRANT needed in one message (schemas, tables, sequences, large objects); those GRANTs are enough', async () => {
    const database = await freshDatabase('grants');
    const role = await freshRole('grants');
    await query(cluster, database.name, `
      CREATE SCHEMA app;
      CREATE TABLE app.a (id serial PRIMARY KEY); INSERT INTO app.a DEFAULT VALUES;
      CREATE TABLE app.b (v text); INSERT INTO app.b VALUES ('x');
      CREATE TABLE public.open (v text); INSERT INTO public.open VALUES ('y');
      CREATE TABLE public.closed (v text); INSERT INTO public.closed VALUES ('z');
      CREATE SEQUENCE public.counter;
      GRANT SELECT ON public.open TO ${pg.escapeIdentifier(role)};`);
    const [{ oid }] = (await query<{ oid: string }>(cluster, database.name, "SELECT pg_catalog.lo_from_bytea(0, '\\x0102')::text AS oid")) as [{ oid: string }];
    const env = { ...pgEnv(cluster, database.name), PGUSER: role, PGPASSWORD: 'pw' };
    const dir = await dirs.make();

    const refused = await runCli(['run', 'full', '--engine', 'native', '--output-dir', path.join(dir, 'out'), '--json'], { env, cwd: dir });

    expect(refused.exitCode).toBe(2);
    const { error } = JSON.parse(refused.stdout) as { error: { code: string; message: string; hint: string } };
    expect(error.code).toBe('PRIVILEGES_MISSING');
    expect(error.message).toBe(
      `role "${role}" cannot read 3 tables ("app"."a", "app"."b", "public"."closed"), 2 sequences ("app"."a_id_seq", "public"."counter") and 1 large object (${oid}) in the dump`,
    );
    const who = pg.escapeIdentifier(role);
    const grants = [
      `GRANT USAGE ON SCHEMA "app" TO ${who};`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA "app" TO ${who};`,
      `GRANT SELECT ON "public"."closed" TO ${who};`,
      `GRANT SELECT ON SEQUENCE "app"."a_id_seq" TO ${who};`,
      `GRANT SELECT ON SEQUENCE "public"."counter" TO ${who};`,
      `GRANT SELECT ON LARGE OBJECT ${oid} TO ${who};`,
    ];
    expect(error.hint.startsWith(`as their owner or a superuser: ${grants.join(' ')} (or skipUnreadable: true to leave their data out); see "A role for backups" in the README`)).toBe(true);
    expect(await listTree(path.join(dir, 'out'))).not.toContainEqual(expect.stringMatching(/\.zip$/));

    await query(cluster, database.name, grants.join('\n'));
    const after = await runCli(['run', 'full', '--engine', 'native', '--output-dir', path.join(dir, 'out'), '--json'], { env, cwd: dir });
    expect(after.stderr).not.toMatch(/error/);
    expect(after.exitCode).toBe(0);
  });
});

// PostgreSQL 19 lets pg_read_all_data read large objects; 18 does not. A check that took
// 18's role for a reader let the dump start and fail at the object's data (lo_get refused).
describe.each(runMajors())('a pg_read_all_data role and a large object not granted to it, on PostgreSQL %i', (major) => {
  it('is refused before any row is read (exit 2, the GRANT named), not halfway through the dump', async () => {
    const server = getCluster(major);
    const database = await createTestDatabase(server, `lo_read_all_${major}`);
    const role = `lo_read_all_${randomBytes(3).toString('hex')}`;
    try {
      await query(server, 'postgres', `CREATE ROLE ${role} LOGIN PASSWORD 'pw'; GRANT pg_read_all_data TO ${role}`);
      await query(server, 'postgres', `GRANT CONNECT ON DATABASE ${database.name} TO ${role}`);
      const [{ oid }] = (await query<{ oid: string }>(server, database.name, "SELECT pg_catalog.lo_from_bytea(0, '\\x0102')::text AS oid")) as [{ oid: string }];
      const dir = await dirs.make();

      const result = await runCli(['run', 'full', '--engine', 'native', '--output-dir', path.join(dir, 'out'), '--json'], {
        env: { ...pgEnv(server, database.name), PGUSER: role, PGPASSWORD: 'pw' },
        cwd: dir,
      });

      expect(result.exitCode).toBe(2);
      const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string; hint: string } };
      expect(error).toMatchObject({ code: 'PRIVILEGES_MISSING', message: `role "${role}" cannot read 1 large object (${oid}) in the dump` });
      expect(error.hint).toContain(`GRANT SELECT ON LARGE OBJECT ${oid} TO "${role}";`);
      expect(await listTree(path.join(dir, 'out'))).not.toContainEqual(expect.stringMatching(/\.zip$/));
    } finally {
      await database.drop();
      await query(server, 'postgres', `DROP ROLE IF EXISTS ${role}`);
    }
  });
});

describe('the README\'s backup role', () => {
  // The two ```sql blocks of "## A role for backups", as written.
  async function recipes(): Promise<string[]> {
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## A role for backups'), readme.indexOf('\n## ', readme.indexOf('## A role for backups') + 1));
    return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  }

  it('has two recipes: any version, and pg_read_all_data', async () => {
    const blocks = await recipes();
    expect(blocks).toHaveLength(2);
    expect(blocks[1]).toContain('GRANT pg_read_all_data TO backup;');
  });

  it.each([0, 1])('backs up with the native engine as a role made by recipe %i exactly as written', async (index) => {
    const database = await freshDatabase(`recipe${index}`);
    const backup = `backup_${randomBytes(3).toString('hex')}`;
    const owner = await freshRole('app_owner');
    roles.push(backup);
    const asOwner = `SET ROLE ${pg.escapeIdentifier(owner)};`;
    await query(cluster, database.name, `
      GRANT CREATE ON SCHEMA public TO ${pg.escapeIdentifier(owner)};
      ${asOwner}
      CREATE TABLE public.orders (id serial PRIMARY KEY, v text); INSERT INTO public.orders (v) VALUES ('a');
      SELECT pg_catalog.lo_from_bytea(0, '\\x0102');
      RESET ROLE;`);
    const sql = (await recipes())[index]!
      .replace(/\bbackup\b/g, pg.escapeIdentifier(backup))
      .replace(/\bapp_owner\b/g, pg.escapeIdentifier(owner))
      .replace(/ON DATABASE app\b/g, `ON DATABASE ${pg.escapeIdentifier(database.name)}`);
    await query(cluster, database.name, sql);
    // Made after the GRANTs: the default privileges (or pg_read_all_data) must cover it.
    await query(cluster, database.name, `${asOwner} CREATE TABLE public.later (id serial PRIMARY KEY); INSERT INTO public.later DEFAULT VALUES; RESET ROLE;`);
    const dir = await dirs.make();

    const result = await runCli(['run', 'full', '--engine', 'native', '--output-dir', path.join(dir, 'out'), '--json'], {
      env: { ...pgEnv(cluster, database.name), PGUSER: backup, PGPASSWORD: 'change-me' },
      cwd: dir,
    });

    expect(result.stderr).not.toMatch(/warning|error/);
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as { steps: Array<{ tables: number; warnings: string[] }> };
    expect(summary.steps[0]).toMatchObject({ tables: 2, warnings: [] });
  });
});
