// The native engine through the CLI: a server newer than every installed pg_dump
// (PostgreSQL 17 with pg_dump 15) falls back to it by itself; the backup restores
// and verifies like any other.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { manifestOf } from '../../support/archive-manifest.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, type ClusterInfo, type TestDatabase } from '../../support/db.js';
import { seedDatabase, snapshotDatabase } from '../../support/seed.js';

describe.each([15, 17])('native engine on PostgreSQL %i', (major) => {
  let cluster: ClusterInfo;
  let source: TestDatabase;
  let out: string;
  const restored = `t_native_restored_${major}_${process.pid}`;

  beforeAll(async () => {
    cluster = getCluster(major);
    source = await createTestDatabase(cluster, `native${major}`);
    await seedDatabase(cluster, source.name);
    out = await mkdtemp(path.join(os.tmpdir(), 'pgbak-native-'));
  });
  afterAll(async () => {
    await source.drop();
    await query(cluster, 'postgres', `DROP DATABASE IF EXISTS ${restored} WITH (FORCE)`);
    await rm(out, { recursive: true, force: true });
  });

  it('backs up, restores into a new database and verifies with the same row counts, sequences and large objects', async () => {
    // On 17 no flag is needed: engine auto finds no compatible pg_dump.
    const args = ['run', 'full', '--output-dir', out, '--json', ...(major === 15 ? ['--engine', 'native'] : [])];
    const run = await runCli(args, { env: pgEnv(cluster, source.name) });
    expect(run.stderr).not.toContain('pgbak: error');
    expect(run.exitCode).toBe(0);
    const archive = (JSON.parse(run.stdout) as { archive: string }).archive;
    const manifest = await manifestOf(archive);
    expect(manifest.steps[0]).toMatchObject({ engine: 'native', format: 'plain' });
    if (major === 17) expect(manifest.steps[0]!.engineReason).toMatch(/no usable pg_dump/);
    // The values its setval statements set, which verify compares with; on a quiet database the snapshot's too.
    const { sequences, dumpedSequences } = manifest.steps[0]!;
    expect(Object.keys(dumpedSequences ?? {}).length).toBeGreaterThan(0);
    expect(dumpedSequences).toEqual(Object.fromEntries(Object.entries(sequences ?? {}).filter(([name]) => name in (dumpedSequences ?? {}))));
    expect(Object.keys(dumpedSequences!).sort()).toEqual(Object.keys(sequences!).sort());

    const restore = await runCli(['restore', archive, '--target', restored, '--create'], { env: pgEnv(cluster, 'postgres') });
    expect(restore.stderr).not.toContain('pgbak: error');
    expect(restore.exitCode).toBe(0);
    expect(await snapshotDatabase(cluster, restored)).toEqual(await snapshotDatabase(cluster, source.name));

    const verify = await runCli(['verify', archive, '--json'], { env: pgEnv(cluster, 'postgres') });
    expect(verify.exitCode).toBe(0);
    expect((JSON.parse(verify.stdout) as { ok: boolean }).ok).toBe(true);
  });

  it('backs up and restores on a machine without any PostgreSQL client tool', async () => {
    // PATH holds nothing and the usual install folders are switched off: no pg_dump, no psql.
    const bare = await mkdtemp(path.join(os.tmpdir(), 'pgbak-notools-'));
    const noTools = { PATH: bare, PGBAK_PG_INSTALL_DIRS: '' };
    const copy = `${restored}_notools`;
    try {
      const run = await runCli(['run', 'full', '--output-dir', path.join(out, 'notools'), '--json'], { env: { ...pgEnv(cluster, source.name), ...noTools } });
      expect(run.exitCode).toBe(0);
      expect(run.stderr).toMatch(/native engine instead of pg_dump: no usable pg_dump/);
      const archive = (JSON.parse(run.stdout) as { archive: string }).archive;
      const restore = await runCli(['restore', archive, '--target', copy, '--create'], { env: { ...pgEnv(cluster, 'postgres'), ...noTools } });
      expect(restore.stderr).toContain("pgbak's native loader");
      expect(restore.exitCode).toBe(0);
      expect(await snapshotDatabase(cluster, copy)).toEqual(await snapshotDatabase(cluster, source.name));
    } finally {
      await query(cluster, 'postgres', `DROP DATABASE IF EXISTS ${copy} WITH (FORCE)`);
      await rm(bare, { recursive: true, force: true });
    }
  });
});
