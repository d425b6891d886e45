// The whole native engine over a database full of functions, aggregates,
// triggers, rules, policies, comments, owners, grants and a large object: the
// dump restores with stock psql, and pg_dump (or, on a server newer than it, a
// second native dump) cannot tell the copy from the source.
import { createTestDatabase, getCluster, hasClientTools, query, type ClusterInfo, type TestDatabase } from '../../../support/db.js';
import { expectNativeRoundTrip, removeNativeDumpDirs } from '../../../support/native-fidelity.js';
import { BASE_SQL, codeRoles, codeSql } from './seed.js';

const describeWithTools = hasClientTools(['pg_dump', 'psql']) ? describe : describe.skip;

describeWithTools.each([15, 17])('a native dump of code, decorations and grants on PostgreSQL %i', (major) => {
  const roles = codeRoles();
  let cluster: ClusterInfo;
  let source: TestDatabase;

  beforeAll(async () => {
    cluster = getCluster(major);
    await query(cluster, 'postgres', `CREATE ROLE ${roles.R1}; CREATE ROLE ${roles.R2}`);
    source = await createTestDatabase(cluster, `code_native_${major}`);
    await query(cluster, source.name, BASE_SQL + codeSql(roles, major));
  });

  afterAll(async () => {
    await source?.drop();
    await removeNativeDumpDirs();
    if (cluster) await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${roles.R1}; DROP ROLE IF EXISTS ${roles.R2}`);
  });

  it('restores with psql into an empty database that compares identical', async () => {
    const { target, dump } = await expectNativeRoundTrip(cluster, source.name);
    await target.drop();
    expect(dump.text).toContain('SET SESSION AUTHORIZATION');
    expect(dump.text).toContain('ALTER DEFAULT PRIVILEGES');
    expect(dump.text).toContain("SELECT pg_catalog.lo_create('4242001');");
  });
});
