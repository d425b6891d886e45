// `pgbak verify --latest <location>`: what the Kubernetes verify CronJob runs
// (deploy/kubernetes/base/cronjob-verify.yaml) — it cannot name tomorrow's zip, so it asks
// for the newest backup of each database in a bucket's prefix (or a folder), optionally of one
// profile or database.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { jest } from '@jest/globals';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { s3ClientEnv, startS3Server, type S3TestServer } from '../../support/s3-server.js';
import { tempDirs } from '../failures/helpers.js';

jest.setTimeout(180_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const BUCKET = 'backups';
const cluster = getCluster(15);
const dirs = tempDirs();
let s3: S3TestServer;
let client: S3Client;
let older: TestDatabase;
let newer: TestDatabase;
let work: string;
const zips: Record<string, string> = {};
let superseded: string;

function s3Env(database: string): Record<string, string> {
  return { ...pgEnv(cluster, database), ...s3ClientEnv(s3.endpoint) };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const answer = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (answer.Contents ?? []).map((object) => object.Key!).sort();
}

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
  older = await createTestDatabase(cluster, 'latest_old');
  newer = await createTestDatabase(cluster, 'latest_new');
  for (const db of [older, newer]) await query(cluster, db.name, 'CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 100);');
  work = await dirs.make();
  await writeFile(path.join(work, 'fleet.yaml'), `storage:\n  - s3: { bucket: ${BUCKET}, prefix: pg/ }\nsteps:\n  - kind: full\n`);
  // The older database first: its backup starts first, so the other one is the newest of all.
  // `newer` is backed up twice: its first backup is superseded by the second.
  for (const db of [older, newer, newer]) {
    const before = new Set(await keysUnder('pg/'));
    const result = await runCli(['run', path.join(work, 'fleet.yaml'), '--json'], { env: s3Env(db.name), cwd: work });
    expect(result.exitCode).toBe(0);
    if (zips[db.name] !== undefined) superseded = zips[db.name]!;
    zips[db.name] = (await keysUnder('pg/')).find((key) => key.endsWith('.zip') && !before.has(key))!;
  }
});

afterAll(async () => {
  await older?.drop();
  await newer?.drop();
  await s3?.stop();
  await dirs.removeAll();
});

describeWithTools('pgbak verify --latest', () => {
  it('with --database, verifies the newest backup of that database only', async () => {
    const result = await runCli(['verify', '--latest', `s3://${BUCKET}/pg/`, '--database', newer.name, '--json'], { env: s3Env(newer.name), cwd: work });

    expect(result.stderr).toContain(`newest backup of ${newer.name}: s3://${BUCKET}/${zips[newer.name]}`);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; backups: Array<{ archive: string; ok: boolean }> };
    expect(report).toMatchObject({ ok: true, backups: [{ archive: `s3://${BUCKET}/${zips[newer.name]}`, ok: true }] });
    const keys = await keysUnder('pg/');
    expect(keys).toContain(`${zips[newer.name]}.verified.json`);
    expect(keys).not.toContain(`${superseded}.verified.json`);
    expect(keys).not.toContain(`${zips[older.name]}.verified.json`);
  });

  it('verifies the newest backup of each database of a bucket prefix, not the superseded one, and records each verdict beside its backup', async () => {
    const result = await runCli(['verify', '--latest', `s3://${BUCKET}/pg/`, '--json'], { env: s3Env(newer.name), cwd: work });

    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; backups: Array<{ archive: string; ok: boolean }> };
    expect(report.ok).toBe(true);
    // Newest first, as retention orders them.
    expect(report.backups.map((b) => [b.archive, b.ok])).toEqual([
      [`s3://${BUCKET}/${zips[newer.name]}`, true],
      [`s3://${BUCKET}/${zips[older.name]}`, true],
    ]);
    const keys = await keysUnder('pg/');
    expect(keys).toContain(`${zips[older.name]}.verified.json`);
    expect(keys).not.toContain(`${superseded}.verified.json`);
  });

  it('verifies the others when one backup cannot be restored, then exits with that failure naming it', async () => {
    // The newest backup of `newer` no longer matches the sha256 recorded beside it in the bucket.
    const key = zips[newer.name]!;
    const original = await s3.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: `${key}.sha256` }));
    const line = await original.Body!.transformToString();
    await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: `${key}.sha256`, Body: line.replace(/^[0-9a-f]{8}/, '00000000') }));
    try {
      const result = await runCli(['verify', '--latest', `s3://${BUCKET}/pg/`, '--json'], { env: s3Env(newer.name), cwd: work });

      // The damaged archive's own exit code and error code (as `pgbak verify <that zip>` ends).
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(`1 of 2 backups could not be verified; the first: s3://${BUCKET}/${key} is not a readable pgbak archive`);
      const report = JSON.parse(result.stdout) as { error: { code: string }; details: { ok: boolean; backups: Array<{ archive: string; ok: boolean; error?: { code: string } }> } };
      expect(report.error.code).toBe('ARCHIVE_INVALID');
      expect(report.details.backups.map((b) => [b.archive, b.ok])).toEqual([
        [`s3://${BUCKET}/${key}`, false],
        [`s3://${BUCKET}/${zips[older.name]}`, true],
      ]);
    } finally {
      await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: `${key}.sha256`, Body: line }));
    }
  });

  it('exits 3 (STALE_BACKUP) naming the location when it holds no backup of the profile asked for', async () => {
    const result = await runCli(['verify', '--latest', `s3://${BUCKET}/pg/`, '--profile', 'nightly'], { env: s3Env(newer.name), cwd: work });

    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`no backup of profile nightly in s3://${BUCKET}/pg/ to verify`);
  });

  it('refuses a zip and --latest together, and --database without --latest (exit 2), before reading anything', async () => {
    const both = await runCli(['verify', 'x.zip', '--latest', `s3://${BUCKET}/pg/`], { env: s3Env(newer.name), cwd: work });
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('both a zip (x.zip) and --latest');
    const filter = await runCli(['verify', 'x.zip', '--database', 'app'], { env: s3Env(newer.name), cwd: work });
    expect(filter.exitCode).toBe(2);
    expect(filter.stderr).toContain('--database chooses among backups with --latest');
    const none = await runCli(['verify'], { env: s3Env(newer.name), cwd: work });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('name the archive to verify');
  });
});
