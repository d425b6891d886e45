// PostgreSQL 16's role membership options: a membership carries its own INHERIT and
// SET options and a grantor that may be any role holding ADMIN on the group (GRANTED
// BY). The native globals write them; revoked and replayed with psql, the memberships
// come back as they were. On every major from 16 the run started.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dumpNativeGlobals } from '../../../lib/engines/native/globals.js';
import { quoteIdent } from '../../../lib/sql/quote.js';
import { getCluster, pgEnv, query, runMajors, withClient, type ClusterInfo } from '../../support/db.js';

const majors = runMajors().filter((major) => major >= 16);
const describeFrom16 = majors.length > 0 ? describe.each(majors) : describe.skip.each([16]);

const membershipFacts = `
  SELECT r.rolname AS role, u.rolname AS member, g.rolname AS grantor, m.admin_option, m.inherit_option, m.set_option
    FROM pg_catalog.pg_auth_members m
    JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
    JOIN pg_catalog.pg_roles u ON u.oid = m.member
    JOIN pg_catalog.pg_roles g ON g.oid = m.grantor
   WHERE r.rolname = ANY($1)
   ORDER BY 1, 2, 3`;

describeFrom16('role membership options on PostgreSQL %i', (major) => {
  let cluster: ClusterInfo;
  const suffix = randomBytes(3).toString('hex');
  const group = `G16 "Group" ${suffix}`;
  // Sorts after the member it grants to: its own ADMIN must still be replayed first.
  const admin = `z16 admin ${suffix}`;
  const noInherit = `g16 no inherit ${suffix}`;
  const noSet = `g16 no set ${suffix}`;
  const viaAdmin = `g16 via admin ${suffix}`;
  const roles = [group, admin, noInherit, noSet, viaAdmin];

  beforeAll(async () => {
    cluster = getCluster(major);
    const q = quoteIdent;
    await query(cluster, 'postgres', roles.map((role) => `CREATE ROLE ${q(role)}`).join('; '));
    await query(
      cluster,
      'postgres',
      `GRANT ${q(group)} TO ${q(admin)} WITH ADMIN TRUE, INHERIT FALSE;
       GRANT ${q(group)} TO ${q(noInherit)} WITH INHERIT FALSE;
       GRANT ${q(group)} TO ${q(noSet)} WITH SET FALSE;`,
    );
    // Granted by the admin, not by the superuser: GRANTED BY must name it.
    await withClient(cluster, 'postgres', async (client) => {
      await client.query(`SET ROLE ${q(admin)}`);
      await client.query(`GRANT ${q(group)} TO ${q(viaAdmin)} WITH SET FALSE`);
    });
  });

  afterAll(async () => {
    if (!cluster) return;
    for (const role of [...roles].reverse()) await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${quoteIdent(role)}`).catch(() => undefined);
  });

  it('writes INHERIT, SET, ADMIN and GRANTED BY, a grantor\'s own ADMIN first, and the memberships replay as they were', async () => {
    const before = await query(cluster, 'postgres', membershipFacts, [[group]]);
    expect(before).toEqual(
      expect.arrayContaining([expect.objectContaining({ member: viaAdmin, grantor: admin, set_option: false, inherit_option: true })]),
    );
    const globals = await withClient(cluster, 'postgres', (client) => dumpNativeGlobals(client, { serverMajor: major }));
    const grants = globals.sql.split('\n').filter((line) => line.startsWith(`GRANT ${quoteIdent(group)} TO `));
    expect(grants).toHaveLength(4);
    expect(grants).toContain(`GRANT ${quoteIdent(group)} TO ${quoteIdent(noSet)} WITH SET FALSE GRANTED BY ${quoteIdent(cluster.user)};`);

    await query(cluster, 'postgres', `REVOKE ${quoteIdent(group)} FROM ${roles.slice(1).map(quoteIdent).join(', ')} CASCADE`);
    expect(await query(cluster, 'postgres', membershipFacts, [[group]])).toEqual([]);
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-f', '-'], {
      input: `${grants.join('\n')}\n`,
      env: { ...process.env, ...pgEnv(cluster, 'postgres') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    expect(await query(cluster, 'postgres', membershipFacts, [[group]])).toEqual(before);
  });
});
