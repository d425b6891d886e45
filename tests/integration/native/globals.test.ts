// Native globals: roles, settings and memberships read from the catalog, replayed
// with psql on another cluster (PostgreSQL 17), compared attribute by attribute.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dumpNativeGlobals } from '../../../lib/engines/native/globals.js';
import { getCluster, pgEnv, query, type ClusterInfo } from '../../support/db.js';

const suffix = randomBytes(3).toString('hex');
const admin = `g_admin_${suffix}`;
const app = `G App "${suffix}"`;
const reader = `g_reader_${suffix}`;

async function dumpAs(cluster: ClusterInfo, user: string, password: string) {
  const client = new pg.Client({ host: cluster.host, port: cluster.port, user, password, database: 'postgres' });
  await client.connect();
  try {
    return await dumpNativeGlobals(client, { serverMajor: cluster.major });
  } finally {
    await client.end();
  }
}

const roleFacts = `SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls,
                          rolconnlimit, rolvaliduntil::text, shobj_description(oid, 'pg_authid') AS comment,
                          (SELECT setconfig FROM pg_db_role_setting WHERE setrole = r.oid AND setdatabase = 0) AS settings,
                          ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1) AS member_of
                     FROM pg_roles r WHERE rolname = ANY($1) ORDER BY rolname`;

describe('native globals', () => {
  const source = getCluster(15);
  const target = getCluster(17);
  const names = [admin, app, reader];

  beforeAll(async () => {
    await query(source, 'postgres', `CREATE ROLE ${q(admin)} CREATEDB`);
    await query(source, 'postgres', `CREATE ROLE ${q(app)} LOGIN PASSWORD 'pw-${suffix}' IN ROLE ${q(admin)} CONNECTION LIMIT 5 VALID UNTIL '2030-01-01 00:00:00+00'`);
    await query(source, 'postgres', `ALTER ROLE ${q(app)} SET search_path TO public, "Weird Schema"`);
    await query(source, 'postgres', `COMMENT ON ROLE ${q(app)} IS 'it''s the app'`);
    await query(source, 'postgres', `CREATE ROLE ${q(reader)} LOGIN PASSWORD 'r-${suffix}'`);
  });
  afterAll(async () => {
    for (const cluster of [source, target]) {
      for (const name of names) await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${q(name)}`).catch(() => undefined);
    }
  });

  it('replays roles, attributes, comments, settings and memberships on another server', async () => {
    const globals = await dumpAs(source, source.user, source.password);
    expect(globals.omitted).toEqual([]);
    expect(globals.sql).toContain(`PASSWORD 'SCRAM-SHA-256$`);
    // The target's own superuser keeps its password, and roles other test files create on
    // these shared clusters meanwhile are theirs: replay only this test's roles (statements
    // one per line, as psql reads a file).
    const ours = globals.sql
      .split('\n')
      .filter((line) => !/^(CREATE|ALTER) ROLE "postgres"/.test(line) && names.some((name) => line.includes(q(name))))
      .join('\n');
    expect(ours).toContain(`CREATE ROLE ${q(app)}`);
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-f', '-'], {
      input: ours,
      env: { ...process.env, ...pgEnv(target, 'postgres') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const before = await query(source, 'postgres', roleFacts, [names]);
    const after = await query(target, 'postgres', roleFacts, [names]);
    expect(after).toEqual(before);
    expect(after).toHaveLength(3);
  });

  it('leaves role passwords out for a role that cannot read pg_authid, and says so', async () => {
    const globals = await dumpAs(source, reader, `r-${suffix}`);
    expect(globals.omitted).toEqual(['role passwords: pg_authid is readable by superusers only']);
    expect(globals.sql).not.toContain('PASSWORD');
    expect(globals.sql).toContain(`CREATE ROLE ${q(app)};`);
  });
});

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
