// The native engine's acceptance bar (issue 4): one database holding every kind of
// object the engine covers — the table family, code, decorations and grants,
// statistics objects and casts (kinds/seed.ts; event triggers and languages need
// a superuser and are tested apart), the shared seed with its hostile identifiers (quotes, spaces, upper case, unicode,
// reserved words) — backed up by a role with only CONNECT, USAGE and SELECT
// (plus BYPASSRLS: without it, the tables with row-level security are refused
// rather than dumped filtered, as they should be), restored into an empty
// database with stock psql. On 15, pg_dump --schema-only of both databases must
// be identical; on 17 (newer than the installed pg_dump) a second native dump of
// the copy must equal the first. Every table's rows hash the same.
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, getCluster, hasClientTools, query, type ClusterInfo, type TestDatabase } from '../../support/db.js';
import { expectNativeRoundTrip, removeNativeDumpDirs } from '../../support/native-fidelity.js';
import { seedDatabase } from '../../support/seed.js';
import { BASE_SQL, codeRoles, codeSql } from './code/seed.js';
import { ownerKindsSeed } from './kinds/seed.js';

const tableFamily = fileURLToPath(new URL('./tables/fixtures/table-family.sql', import.meta.url));
// Skipped only where psql/pg_dump are missing (hasClientTools prints which).
const describeWithTools = hasClientTools(['pg_dump', 'psql']) ? describe : describe.skip;

describeWithTools.each([15, 17])('native engine acceptance on PostgreSQL %i', (major) => {
  const roles = codeRoles();
  const reader = `native_reader_${randomBytes(3).toString('hex')}`;
  let cluster: ClusterInfo;
  let source: TestDatabase;

  beforeAll(async () => {
    cluster = getCluster(major);
    await query(cluster, 'postgres', `CREATE ROLE ${roles.R1}; CREATE ROLE ${roles.R2}; CREATE ROLE ${reader} LOGIN BYPASSRLS PASSWORD 'pw'`);
    source = await createTestDatabase(cluster, `accept${major}`);
    await query(cluster, source.name, await readFile(tableFamily, 'utf8'));
    await seedDatabase(cluster, source.name);
    await query(cluster, source.name, BASE_SQL + codeSql(roles, major));
    await query(cluster, source.name, ownerKindsSeed());
    // Only what reading needs: CONNECT, USAGE on every schema, SELECT on tables, sequences, large objects.
    await query(
      cluster,
      source.name,
      `GRANT CONNECT ON DATABASE ${source.name} TO ${reader};
       DO $$ DECLARE s text; lo oid; BEGIN
         FOR s IN SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' LOOP
           EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${reader}', s);
           EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO ${reader}', s);
           EXECUTE format('GRANT SELECT ON ALL SEQUENCES IN SCHEMA %I TO ${reader}', s);
         END LOOP;
         FOR lo IN SELECT oid FROM pg_largeobject_metadata LOOP
           EXECUTE format('GRANT SELECT ON LARGE OBJECT %s TO ${reader}', lo);
         END LOOP;
       END $$;`,
    );
  });

  afterAll(async () => {
    await source?.drop();
    await removeNativeDumpDirs();
    if (cluster) await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${reader}; DROP ROLE IF EXISTS ${roles.R1}; DROP ROLE IF EXISTS ${roles.R2}`);
  });

  it('restores with psql into an empty database that cannot be told from the source', async () => {
    const { target, dump } = await expectNativeRoundTrip(cluster, source.name, { login: { user: reader, password: 'pw' } });
    await target.drop();
    expect(dump.result.skipped).toEqual({ tables: [], sequences: [], largeObjects: [] });
    expect(dump.result.tables).toBeGreaterThan(20);
  });
});
