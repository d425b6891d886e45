// No client tools in the loop at all: the native engine backs up a PostgreSQL 17
// server (newer than the installed pg_dump), and the native loader restores the
// archive into another database of that server.
import { runCli } from '../../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../../../support/db.js';
import { makeTempDir, removeTempDirs } from '../../../support/restore-helpers.js';
import { seedDatabase, snapshotDatabase } from '../../../support/seed.js';
import { contentHashes } from './helpers.js';
import { withoutAuthenticityWarning } from '../../../support/authenticity.js';

const cluster = getCluster(17);
let source: TestDatabase;
const target = `t_nl_roundtrip_${Math.random().toString(16).slice(2, 10)}`;

beforeAll(async () => {
  source = await createTestDatabase(cluster, 'nl_roundtrip');
  await seedDatabase(cluster, source.name);
});

afterAll(async () => {
  await source.drop();
  await query(cluster, 'postgres', `DROP DATABASE IF EXISTS "${target}" WITH (FORCE)`);
  await removeTempDirs();
});

it('restores a native-engine backup of PostgreSQL 17 with the native loader: same rows, sequences and large objects', async () => {
  const outputDir = await makeTempDir('pgbak-nl-out-');
  const backup = await runCli(['run', 'full', '--engine', 'native', '--output-dir', outputDir, '--json'], { env: pgEnv(cluster, source.name) });
  expect(backup.exitCode).toBe(0);
  const { archive } = JSON.parse(backup.stdout.trim().split('\n').pop()!) as { archive: string };

  const restore = await runCli(['restore', archive, '--target', target, '--create', '--loader', 'native'], { env: pgEnv(cluster, 'postgres') });

  expect(withoutAuthenticityWarning(restore.stderr)).not.toMatch(/error|warning/i);
  expect(restore.exitCode).toBe(0);
  expect(await snapshotDatabase(cluster, target)).toEqual(await snapshotDatabase(cluster, source.name));
  expect(await contentHashes(cluster, target)).toEqual(await contentHashes(cluster, source.name));
});
