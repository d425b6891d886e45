// Every object kind pg_dump dumps, one fixture per kind (fixtures/*.sql, written
// from PostgreSQL's CREATE documentation, hostile names included), loaded
// together into one database on every major this run started. The oracle: a
// native dump restored with stock psql gives a database whose pg_dump
// --schema-only equals the source's where the installed pg_dump can dump the
// server; on newer servers a native dump of the copy equals the first byte for
// byte (but for the header line naming the database), and compare finds no drift.
import { readFileSync, readdirSync } from 'node:fs';
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

const fixtureDir = new URL('./fixtures/', import.meta.url);
/** Fixture files, by kind; some need a newer server (`-- requires: 15` on the first line). */
const fixtures = readdirSync(fixtureDir)
  .filter((name) => name.endsWith('.sql'))
  .sort()
  .map((name) => {
    const sql = readFileSync(new URL(name, fixtureDir), 'utf8');
    const min = /^-- requires: (\d+)/m.exec(sql);
    return { name, sql, minMajor: min ? Number(min[1]) : 0 };
  });

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

/** The dump without the header line that names the database dumped. */
const withoutDatabaseLine = (text: string) => text.replace(/^-- Database: .*$/m, '');

describeWithTools.each(runMajors())('every object kind on PostgreSQL %i', (major) => {
  let cluster: ClusterInfo;
  let source: TestDatabase;
  let target: TestDatabase | undefined;
  let dump: NativeDumpFile;

  beforeAll(async () => {
    cluster = getCluster(major);
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
    } finally {
      await removeNativeDumpDirs();
    }
  });

  it('is written without a warning: no loop left unbroken, nothing left out', () => {
    expect(dump.result.warnings).toEqual([]);
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
  });
});
