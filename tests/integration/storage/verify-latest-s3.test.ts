// `pgbak verify --latest <location>`: what the Kubernetes verify CronJob runs
// (deploy/kubernetes/base/cronjob-verify.yaml) — it cannot name tomorrow's zip, so it asks
// for the newest backup of a bucket's prefix (or a folder), optionally of one profile or database.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { jest } from '@jest/globals';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { startS3Server, type S3TestServer } from '../../support/s3-server.js';
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

function s3Env(database: string): Record<string, string> {
  return { ...pgEnv(cluster, database), AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: s3.endpoint };
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
  // The older database first: its backup starts first, so the other one is the newest.
  for (const db of [older, newer]) {
    const before = new Set(await keysUnder('pg/'));
    const result = await runCli(['run', path.join(work, 'fleet.yaml'), '--json'], { env: s3Env(db.name), cwd: work });
    expect(result.exitCode).toBe(0);
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
  it('verifies the newest backup of a bucket prefix and records the verdict beside that one only', async () => {
    const result = await runCli(['verify', '--latest', `s3://${BUCKET}/pg/`, '--json'], { env: s3Env(newer.name), cwd: work });

    expect(result.stderr).toContain(`newest backup: s3://${BUCKET}/${zips[newer.name]}`);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ archive: `s3://${BUCKET}/${zips[newer.name]}`, ok: true });
    const keys = await keysUnder('pg/');
    expect(keys).toContain(`${zips[newer.name]}.verified.json`);
    expect(keys).not.toContain(`${zips[older.name]}.verified.json`);
  });

  it('with --database, verifies the newest backup of that database, not the newest of all', async () => {
    const result = await runCli(['verify', '--latest', `s3://${BUCKET}/pg/`, '--database', older.name, '--json'], { env: s3Env(older.name), cwd: work });

    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ archive: `s3://${BUCKET}/${zips[older.name]}`, ok: true });
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
