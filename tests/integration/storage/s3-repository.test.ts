// list, status and prune over a bucket (a real S3-protocol server on loopback): the
// manifest is the commit marker, runs are ordered by the manifest's startedAt (not by
// key names), only pgbak's own objects are ever deleted, sidecars go with their zip.
// Backups are real zips written by pgbak's ZipWriter with past-dated manifests,
// uploaded as they are (see end-of-file for a real `pgbak run` with retention).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { jest } from '@jest/globals';
import { S3Repository } from '../../../lib/storage/s3/index.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { s3ClientEnv, startFaultProxy, startS3Server, type S3TestServer } from '../../support/s3-server.js';
import { writeFakeBackup, writeForeignZip, type FakeBackup } from '../../unit/retention/fake-backups.js';
import { errorReport, tempDirs } from '../failures/helpers.js';
import { keysIn } from './run-log-objects.js';

jest.setTimeout(120_000);

const BUCKET = 'backups';
const HOUR = 3_600_000;
const dirs = tempDirs();
let s3: S3TestServer;
let client: S3Client;
let prefixCount = 0;

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
});

afterAll(async () => {
  await s3?.stop();
  await dirs.removeAll();
});

function s3Env(endpoint = s3.endpoint): Record<string, string> {
  return s3ClientEnv(endpoint);
}

/** A fresh prefix per test: `t<n>/db1/`. */
function freshPrefix(): string {
  prefixCount++;
  return `t${prefixCount}/db1/`;
}

async function put(key: string, body: Buffer | string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

/** The keys under `prefix`, without it, sorted. */
async function keysUnder(prefix: string): Promise<string[]> {
  return (await keysIn(client, BUCKET, prefix)).map((key) => key.slice(prefix.length));
}

/** Writes a fake backup locally (zip, run log, verification record) and uploads each file under `prefix`, plus a `.sha256`. */
async function uploadBackup(prefix: string, backup: FakeBackup): Promise<string> {
  const work = await dirs.make();
  const zip = await writeFakeBackup(work, backup);
  const name = path.basename(zip);
  await put(prefix + name, await readFile(zip));
  if (backup.verified !== undefined) await put(`${prefix}${name}.verified.json`, await readFile(`${zip}.verified.json`));
  await put(`${prefix}${name}.sha256`, `0000  ${name}\n`);
  return name;
}

/** Two profiles, a foreign zip, a damaged zip, an object below the prefix, and names that sort against their manifests' times. */
async function seedBucket(prefix: string): Promise<void> {
  // "z-…" sorts last by name but its manifest is the oldest; "a-…" sorts first and is the newest.
  await uploadBackup(prefix, { profile: 'nightly', database: 'app', startedAt: '2024-03-01T01:00:00Z', file: 'nightly-app-z.zip', verified: true });
  await uploadBackup(prefix, { profile: 'nightly', database: 'app', startedAt: '2024-03-02T01:00:00Z', file: 'nightly-app-m.zip' });
  await uploadBackup(prefix, { profile: 'nightly', database: 'app', startedAt: '2024-03-03T01:00:00Z', file: 'nightly-app-a.zip' });
  await uploadBackup(prefix, { profile: 'hourly', database: 'billing', startedAt: '2024-03-03T02:30:00Z' });
  await uploadBackup(prefix, { profile: 'hourly', database: 'billing', startedAt: '2024-03-03T03:30:00Z' });
  const work = await dirs.make();
  await put(`${prefix}holiday-photos.zip`, await readFile(await writeForeignZip(work, 'holiday-photos.zip')));
  const good = await readFile(await writeFakeBackup(work, { profile: 'nightly', database: 'app', startedAt: '2024-03-04T01:00:00Z' }));
  await put(`${prefix}nightly-app-damaged.zip`, good.subarray(0, good.length - 40));
  await put(`${prefix}older/nightly-app-20200101T010000Z.zip`, good);
  await put(`${prefix}notes.txt`, 'not a backup');
}

describe('pgbak list s3://bucket/prefix/', () => {
  it('lists only zips whose manifest reads, ordered by the manifest time (not the key), with the bucket verification record', async () => {
    const prefix = freshPrefix();
    await seedBucket(prefix);
    const cli = await runCli(['list', `s3://${BUCKET}/${prefix}`], { env: s3Env() });
    expect(cli.stderr).not.toMatch(/error/i);
    expect(cli.exitCode).toBe(0);
    const rows = cli.stdout.trimEnd().split('\n').map((line) => line.split(/\s{2,}/));
    expect(rows[0]).toEqual(['PROFILE', 'DATABASE', 'STARTED (UTC)', 'AGE', 'SIZE', 'VERIFIED', 'FILE']);
    expect(rows.slice(1).map((row) => [row[0], row[1], row[2], row[5], row[6]])).toEqual([
      ['hourly', 'billing', '2024-03-03 02:30:00Z', 'no', 'hourly-billing-20240303T023000Z.zip'],
      ['hourly', 'billing', '2024-03-03 03:30:00Z', 'no', 'hourly-billing-20240303T033000Z.zip'],
      ['nightly', 'app', '2024-03-01 01:00:00Z', 'yes', 'nightly-app-z.zip'],
      ['nightly', 'app', '2024-03-02 01:00:00Z', 'no', 'nightly-app-m.zip'],
      ['nightly', 'app', '2024-03-03 01:00:00Z', 'no', 'nightly-app-a.zip'],
    ]);
    expect(cli.stderr).toContain('ignored holiday-photos.zip: no manifest.json: not written by pgbak');
    expect(cli.stderr).toMatch(/ignored nightly-app-damaged\.zip: /);
    expect(cli.stderr).not.toContain('older/');
  });

  it('prints the same JSON as for a folder with -o s3://…, the paths as s3:// URLs', async () => {
    const prefix = freshPrefix();
    await seedBucket(prefix);
    const cli = await runCli(['list', '-o', `s3://${BUCKET}/${prefix.replace(/\/$/, '')}`, '--profile', 'nightly', '--json'], { env: s3Env() });
    expect(cli.exitCode).toBe(0);
    const out = JSON.parse(cli.stdout) as { outputDir: string; backups: Array<{ file: string; path: string; size: number; verification: unknown }>; ignored: Array<{ file: string }>; notes: string[] };
    expect(out.outputDir).toBe(`s3://${BUCKET}/${prefix}`);
    expect(out.backups.map((b) => [b.file, b.verification])).toEqual([
      ['nightly-app-z.zip', { ok: true, verifiedAt: '2024-03-01T05:00:00Z' }],
      ['nightly-app-m.zip', null],
      ['nightly-app-a.zip', null],
    ]);
    expect(out.backups[0]!.path).toBe(`s3://${BUCKET}/${prefix}nightly-app-z.zip`);
    expect(out.backups[0]!.size).toBeGreaterThan(0);
    expect(out.ignored.map((i) => i.file).sort()).toEqual(['holiday-photos.zip', 'nightly-app-damaged.zip']);
    expect(out.notes.join(' ')).toContain('runs in progress and runs killed outright (SIGKILL) are not shown');
  });

  it('refuses two different locations (positional and --output-dir) as a usage error', async () => {
    const cli = await runCli(['list', `s3://${BUCKET}/a/`, '-o', `s3://${BUCKET}/b/`], { env: s3Env() });
    expect(cli.exitCode).toBe(2);
    expect(errorReport(cli.stderr).message).toContain('two locations');
  });

  it('a bucket that does not exist: exit 1 naming the bucket and NoSuchBucket, with a hint', async () => {
    const cli = await runCli(['list', 's3://no-such-bucket/pg/'], { env: s3Env() });
    expect(cli.exitCode).toBe(1);
    const report = errorReport(cli.stderr);
    expect(report.message).toContain('s3://no-such-bucket/pg/');
    expect(report.message).toContain('NoSuchBucket');
    expect(report.hint).toMatch(/bucket/i);
  });

  it('keeps the error code and hint of the lazily loaded S3 module in --json (they were lost across the CLI bundle)', async () => {
    const cli = await runCli(['status', 's3://no-such-bucket/pg/', '--json'], { env: s3Env() });
    expect(cli.exitCode).toBe(1);
    const report = JSON.parse(cli.stdout) as { error: { code: string; hint?: string } };
    expect(report.error.code).toBe('OUTPUT_UNREADABLE');
    expect(report.error.hint).toContain('Create the bucket');
  });

  it('a zip the store will not let it read (AccessDenied on HEAD): exit 1 naming the object, not listed as "ignored"', async () => {
    const prefix = freshPrefix();
    await uploadBackup(prefix, { profile: 'nightly', database: 'app', startedAt: '2024-03-01T01:00:00Z' });
    const proxy = await startFaultProxy(s3.endpoint, [{ match: (req) => req.method === 'HEAD', times: Infinity, status: 403, code: 'AccessDenied' }]);
    try {
      const cli = await runCli(['status', `s3://${BUCKET}/${prefix}`, '--max-age', '26h'], { env: s3Env(proxy.endpoint) });
      expect(cli.exitCode).toBe(1);
      const report = errorReport(cli.stderr);
      expect(report.message).toContain(`cannot read s3://${BUCKET}/${prefix}nightly-app-20240301T010000Z.zip`);
      expect(report.message).toContain('HTTP 403');
      expect(report.hint).toContain('s3:GetObject');
    } finally {
      await proxy.stop();
    }
  });

  it('refuses a malformed bucket name as a usage error (exit 2)', async () => {
    const cli = await runCli(['prune', 's3://Not_A_Bucket/pg/', '--keep-last', '1'], { env: s3Env() });
    expect(cli.exitCode).toBe(2);
    expect(errorReport(cli.stderr).message).toContain('s3://Not_A_Bucket/pg/');
  });

  it('an unreachable endpoint: exit 1 with the storage error, not "no backups"', async () => {
    const cli = await runCli(['list', `s3://${BUCKET}/pg/`], { env: { ...s3Env('http://127.0.0.1:9'), AWS_MAX_ATTEMPTS: '1' } });
    expect(cli.exitCode).toBe(1);
    expect(errorReport(cli.stderr).message).toContain(`cannot list s3://${BUCKET}/pg/`);
    expect(cli.stdout).not.toContain('no backups');
  });
});

describe('list/status/prune --profile with S3 storage in the profile', () => {
  it("reads the profile's bucket and prefix ({profile} expanded) when no location is given", async () => {
    const work = await dirs.make();
    await writeFile(path.join(work, 'offsite.yaml'), `storage:\n  - s3: { bucket: ${BUCKET}, prefix: "prof/{profile}" }\nsteps:\n  - kind: full\n`);
    await uploadBackup('prof/offsite/', { profile: 'offsite', database: 'app', startedAt: '2024-03-01T01:00:00Z' });
    const cli = await runCli(['list', '--profile', 'offsite', '--profiles-dir', work, '--json'], { env: s3Env(), cwd: work });
    expect(cli.exitCode).toBe(0);
    const out = JSON.parse(cli.stdout) as { outputDir: string; backups: Array<{ file: string }> };
    expect(out.outputDir).toBe(`s3://${BUCKET}/prof/offsite/`);
    expect(out.backups.map((b) => b.file)).toEqual(['offsite-app-20240301T010000Z.zip']);
  });

  it('asks for the prefix when the profile\'s depends on the connection ({database}): exit 2', async () => {
    const work = await dirs.make();
    await writeFile(path.join(work, 'perdb.yaml'), `storage:\n  - s3: { bucket: ${BUCKET}, prefix: "pg/{database}/" }\nsteps:\n  - kind: full\n`);
    const cli = await runCli(['status', '--profile', 'perdb', '--profiles-dir', work], { env: s3Env(), cwd: work });
    expect(cli.exitCode).toBe(2);
    const report = errorReport(cli.stderr);
    expect(report.message).toContain(`s3://${BUCKET}/pg/{database}/`);
    expect(report.hint).toContain(`s3://${BUCKET}/pg/<database>/`);
  });
});

describe('pgbak status s3://bucket/prefix/', () => {
  it('exit 3 when the newest backup in the bucket is older than --max-age, naming the stale group', async () => {
    const prefix = freshPrefix();
    await seedBucket(prefix);
    const cli = await runCli(['status', `s3://${BUCKET}/${prefix}`, '--max-age', '26h'], { env: s3Env() });
    expect(cli.exitCode).toBe(3);
    expect(cli.stderr).toContain('STALE nightly/app: newest backup nightly-app-a.zip is');
    // The prefix's own two groups, and the backup one "folder" below it (status looks down the tree: a fleet's pg/{host}/{database}/).
    expect(errorReport(cli.stderr).message).toContain(`3 of 3 backup groups in s3://${BUCKET}/${prefix} are stale`);
    expect(cli.stderr).toContain(`(db.internal, s3://${BUCKET}/${prefix}older/)`);
  });

  it('exit 0 with fresh backups; --json carries the last verified backup read from the bucket', async () => {
    const prefix = freshPrefix();
    const now = Date.now();
    await uploadBackup(prefix, { profile: 'nightly', database: 'app', startedAt: new Date(now - 30 * HOUR).toISOString(), verified: true });
    await uploadBackup(prefix, { profile: 'nightly', database: 'app', startedAt: new Date(now - 2 * HOUR).toISOString() });
    const cli = await runCli(['status', '-o', `s3://${BUCKET}/${prefix}`, '--max-age', '26h', '--json'], { env: s3Env() });
    expect(cli.exitCode).toBe(0);
    const report = JSON.parse(cli.stdout) as { stale: boolean; groups: Array<{ count: number; lastSuccess: { ageMs: number }; lastVerified: { ageMs: number } | null }> };
    expect(report.stale).toBe(false);
    expect(report.groups).toHaveLength(1);
    expect(report.groups[0]!.count).toBe(2);
    expect(report.groups[0]!.lastSuccess.ageMs).toBeLessThan(3 * HOUR);
    expect(report.groups[0]!.lastVerified!.ageMs).toBeGreaterThan(29 * HOUR);
  });

  it('an empty prefix with --max-age is stale: exit 3', async () => {
    const cli = await runCli(['status', `s3://${BUCKET}/${freshPrefix()}`, '--max-age', '26h'], { env: s3Env() });
    expect(cli.exitCode).toBe(3);
    expect(errorReport(cli.stderr).message).toContain('no backup in s3://');
  });
});

describe('pgbak prune s3://bucket/prefix/', () => {
  it('--dry-run says what would go and deletes nothing', async () => {
    const prefix = freshPrefix();
    await seedBucket(prefix);
    const before = await keysUnder(prefix);
    const cli = await runCli(['prune', `s3://${BUCKET}/${prefix}`, '--keep-last', '1', '--dry-run', '--json'], { env: s3Env() });
    expect(cli.exitCode).toBe(0);
    const result = JSON.parse(cli.stdout) as { dryRun: boolean; items: Array<{ file: string; action: string }> };
    expect(result.dryRun).toBe(true);
    expect(result.items.filter((i) => i.action === 'would-delete').map((i) => i.file).sort()).toEqual(['hourly-billing-20240303T023000Z.zip', 'nightly-app-m.zip']);
    expect(await keysUnder(prefix)).toEqual(before);
  });

  it('deletes by manifest time with the sidecars (.verified.json, .sha256), keeps the newest verified, never touches foreign or damaged objects', async () => {
    const prefix = freshPrefix();
    await seedBucket(prefix);
    const cli = await runCli(['prune', `s3://${BUCKET}/${prefix}`, '--keep-last', '1'], { env: s3Env() });
    expect(cli.stderr).not.toMatch(/error/i);
    expect(cli.exitCode).toBe(0);
    // nightly: "a" is the newest by its manifest (kept), "z" the newest verified (kept), "m" goes.
    expect(cli.stdout).toMatch(/keep\s+2024-03-01 01:00:00Z\s+nightly-app-z\.zip\s+\(newest-verified\)/);
    expect(cli.stdout).toMatch(/deleted\s+2024-03-02 01:00:00Z\s+nightly-app-m\.zip/);
    expect(cli.stdout.trimEnd().split('\n').pop()).toBe('2 deleted, 3 kept');
    expect(await keysUnder(prefix)).toEqual([
      'holiday-photos.zip',
      'hourly-billing-20240303T033000Z.zip',
      'hourly-billing-20240303T033000Z.zip.sha256',
      'nightly-app-a.zip',
      'nightly-app-a.zip.sha256',
      'nightly-app-damaged.zip',
      'nightly-app-z.zip',
      'nightly-app-z.zip.sha256',
      'nightly-app-z.zip.verified.json',
      'notes.txt',
      'older/nightly-app-20200101T010000Z.zip',
    ]);
  });

  it('a DeleteObjects the store refuses: exit 1 naming the bucket and the code; every object stays', async () => {
    const prefix = freshPrefix();
    await seedBucket(prefix);
    const before = await keysUnder(prefix);
    const proxy = await startFaultProxy(s3.endpoint, [{ match: (req) => req.method === 'POST' && /[?&]delete/.test(req.url!), times: Infinity, status: 403, code: 'AccessDenied' }]);
    try {
      const cli = await runCli(['prune', `s3://${BUCKET}/${prefix}`, '--keep-last', '1'], { env: s3Env(proxy.endpoint) });
      expect(cli.exitCode).toBe(1);
      const report = errorReport(cli.stderr);
      expect(report.message).toContain('2 of 2 backups or logs could not be deleted');
      expect(report.message).toContain('AccessDenied');
      expect(report.hint).toContain('s3:DeleteObject');
      expect(cli.stdout).toMatch(/FAILED\s+2024-03-02 01:00:00Z\s+nightly-app-m\.zip/);
    } finally {
      await proxy.stop();
    }
    expect(await keysUnder(prefix)).toEqual(before);
  });
});

describe('S3Repository', () => {
  it('deletes 1,005 objects in two DeleteObjects requests (at most 1,000 keys each), each outcome reported', async () => {
    const prefix = freshPrefix();
    const names = Array.from({ length: 1005 }, (_, i) => `obj-${String(i).padStart(4, '0')}.zip`);
    for (let i = 0; i < names.length; i += 50) await Promise.all(names.slice(i, i + 50).map((name) => put(prefix + name, 'x')));
    expect(await keysUnder(prefix)).toHaveLength(1005);
    const proxy = await startFaultProxy(s3.endpoint, []);
    const repository = new S3Repository(s3.client({ endpoint: proxy.endpoint }), BUCKET, prefix);
    try {
      const outcomes = await repository.deleteMany(names);
      expect(outcomes).toHaveLength(1005);
      expect(outcomes.filter((outcome) => outcome.error !== null)).toEqual([]);
      // s3rver sometimes answers 500 while it still removes the first batch's files; the SDK retries that one.
      expect(proxy.log.filter((request) => request.method === 'POST' && /[?&]delete/.test(request.url) && request.status === 200)).toHaveLength(2);
    } finally {
      await repository.close();
      await proxy.stop();
    }
    expect(await keysUnder(prefix)).toEqual([]);
  });
});

describe('pgbak run with S3 storage and retention', () => {
  const cluster = getCluster(15);
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(cluster, 's3retain');
    await query(cluster, database.name, 'CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 100);');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("prunes the bucket after a successful run: the profile's own older backups and their sidecars go, the newest verified and foreign objects stay", async () => {
    const prefix = `run/${database.name}/`;
    const work = await dirs.make();
    await writeFile(path.join(work, 'kept.yaml'), `storage:\n  - s3: { bucket: ${BUCKET}, prefix: "run/{database}/" }\nretention: { keepLast: 1 }\nsteps:\n  - kind: full\n`);
    const verified = await uploadBackup(prefix, { profile: 'kept', database: database.name, startedAt: '2024-01-01T01:00:00Z', verified: true });
    const older = await uploadBackup(prefix, { profile: 'kept', database: database.name, startedAt: '2024-01-02T01:00:00Z', verified: false });
    const other = await uploadBackup(prefix, { profile: 'other', database: database.name, startedAt: '2024-01-02T01:00:00Z' });
    await put(`${prefix}holiday-photos.zip`, await readFile(await writeForeignZip(work, 'holiday-photos.zip')));
    const env = { ...pgEnv(cluster, database.name), ...s3Env() };

    const first = await runCli(['run', path.join(work, 'kept.yaml'), '--json', '--output-dir', work], { env, cwd: work });
    expect(first.stderr).not.toContain('retention not applied');
    expect(first.exitCode).toBe(0);
    const summary = JSON.parse(first.stdout) as { archive: string; retention: { deleted: string[]; failed: number; copies: Array<{ location: string; deleted: string[]; failed: number }> } };
    expect(summary.retention.deleted).toEqual([older]);
    expect(summary.retention.copies).toEqual([{ location: `s3://${BUCKET}/${prefix}`, deleted: [older], failed: 0 }]);
    const firstZip = (await keysUnder(prefix)).find((key) => key.startsWith('kept-') && key.endsWith('.zip') && key !== verified)!;
    expect(await keysUnder(prefix)).toEqual(
      // The run's log too, put beside its zip once the run (retention included) was done.
      [firstZip, `${firstZip}.sha256`, firstZip.replace(/\.zip$/, '.log'), 'holiday-photos.zip', other, `${other}.sha256`, verified, `${verified}.sha256`, `${verified}.verified.json`].sort(),
    );

    const second = await runCli(['run', path.join(work, 'kept.yaml'), '--json', '--output-dir', work], { env, cwd: work });
    expect(second.exitCode).toBe(0);
    expect((JSON.parse(second.stdout) as typeof summary).retention.deleted).toEqual([firstZip]);
    const left = await keysUnder(prefix);
    expect(left).not.toContain(firstZip);
    // Its log went with it, as a sidecar.
    expect(left.filter((key) => key.startsWith(firstZip.replace(/\.zip$/, '.')))).toEqual([]);
    // The new run's zip (the newest) and the newest verified one.
    expect(left.filter((key) => key.startsWith('kept-') && key.endsWith('.zip'))).toHaveLength(2);
    expect(left).toEqual(expect.arrayContaining(['holiday-photos.zip', other, verified]));
  });
});

describe('pgbak run with S3 storage only: a step that dumped no table holds retention on the bucket', () => {
  const cluster = getCluster(15);
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(cluster, 's3held');
    await query(cluster, database.name, 'CREATE SCHEMA app; CREATE TABLE app.orders (id int PRIMARY KEY); INSERT INTO app.orders SELECT generate_series(1, 10);');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('compares with the previous backup in the bucket and deletes nothing there', async () => {
    const prefix = `held/${database.name}/`;
    const work = await dirs.make();
    await writeFile(path.join(work, 'app.yaml'), `storage:\n  - s3: { bucket: ${BUCKET}, prefix: "held/{database}/" }\nretention: { keepLast: 1 }\nsteps:\n  - kind: full\n    engine: native\n    schemas: [app]\n`);
    const env = { ...pgEnv(cluster, database.name), ...s3Env() };
    const good = await runCli(['run', path.join(work, 'app.yaml'), '--json', '--output-dir', work], { env, cwd: work });
    // The whole answer when it fails: a bare exit code says nothing about why.
    expect({ exitCode: good.exitCode, stderr: good.stderr }).toEqual({ exitCode: 0, stderr: expect.any(String) });
    const goodZips = (await keysUnder(prefix)).filter((key) => key.endsWith('.zip'));
    expect(goodZips).toHaveLength(1);

    await query(cluster, database.name, 'DROP TABLE app.orders; CREATE VIEW app.v AS SELECT 1 AS one;');
    const emptied = await runCli(['run', path.join(work, 'app.yaml'), '--json', '--output-dir', work], { env, cwd: work });
    expect(emptied.exitCode).toBe(0);
    const summary = JSON.parse(emptied.stdout) as { retention: { deleted: string[]; held?: string } };
    expect(summary.retention.deleted).toEqual([]);
    expect(summary.retention.held).toContain(goodZips[0]);
    expect((await keysUnder(prefix)).filter((key) => key.endsWith('.zip'))).toEqual(expect.arrayContaining(goodZips));
    expect((await keysUnder(prefix)).filter((key) => key.endsWith('.zip'))).toHaveLength(2);
  });
});
