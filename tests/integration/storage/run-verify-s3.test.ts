// `pgbak run --verify` with S3 storage: the object is read back from the bucket (through
// the logging proxy) and verified, not the local copy; the record goes beside every copy.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { getSmallObject } from '../../../lib/storage/s3/index.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { s3ClientEnv, startFaultProxy, startS3Server, type FaultProxy, type S3TestServer } from '../../support/s3-server.js';
import { listTree, tempDirs } from '../failures/helpers.js';

const describeWithTools = hasClientTools() ? describe : describe.skip;
const BUCKET = 'backups';
const cluster = getCluster(15);
const dirs = tempDirs();
let s3: S3TestServer;
let proxy: FaultProxy;
let client: S3Client;
let database: TestDatabase;

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
  proxy = await startFaultProxy(s3.endpoint, []);
  database = await createTestDatabase(cluster, 's3verify');
  await query(cluster, database.name, 'CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 500) g; CREATE SEQUENCE counter; SELECT setval(\'counter\', 42);');
});

afterAll(async () => {
  await database?.drop();
  await proxy?.stop();
  await s3?.stop();
  await dirs.removeAll();
});

function s3Env(): Record<string, string> {
  return { ...pgEnv(cluster, database.name), ...s3ClientEnv(proxy.endpoint) };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const answer = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (answer.Contents ?? []).map((object) => object.Key!).sort();
}

interface Summary {
  archive: string;
  bytes: number;
  verify?: { ok: boolean; record: string | null; records: string[] };
}

describeWithTools('pgbak run --verify with S3 storage', () => {
  it('with S3 only: reads the uploaded object back from the bucket, verifies it and writes <key>.verified.json beside it', async () => {
    const work = await dirs.make();
    await writeFile(path.join(work, 'remote.yaml'), `storage:\n  - s3: { bucket: ${BUCKET}, prefix: only/ }\nsteps:\n  - kind: full\n`);
    const before = proxy.log.length;

    const result = await runCli(['run', path.join(work, 'remote.yaml'), '--verify', '--json'], { env: s3Env(), cwd: work });

    expect(result.stderr).not.toContain('verify skipped');
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as Summary;
    const zipKey = (await keysUnder('only/')).find((key) => key.endsWith('.zip'))!;
    expect(zipKey).toMatch(/^only\/remote-.*\.zip$/);
    expect(summary.verify).toEqual({ ok: true, record: `s3://${BUCKET}/${zipKey}.verified.json`, records: [`s3://${BUCKET}/${zipKey}.verified.json`] });
    const record = JSON.parse((await getSmallObject(client, BUCKET, `${zipKey}.verified.json`))!) as Record<string, unknown>;
    expect(record).toMatchObject({ archive: `s3://${BUCKET}/${zipKey}`, archiveBytes: summary.bytes, ok: true, outcome: 'verified' });
    // Read back: ranged GETs of the object after it was uploaded.
    const reads = proxy.log.slice(before).filter((r) => r.method === 'GET' && r.url.split('?')[0] === `/${BUCKET}/${zipKey}`);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => /^bytes=\d+-\d+$/.test(r.range ?? ''))).toBe(true);
    // Nothing of the dump touched the local folder (it holds the run log only).
    expect((await listTree(work)).filter((file) => file.endsWith('.zip') || file.endsWith('.verified.json'))).toEqual([]);
  });

  it('with a local and an S3 copy: verifies the object once (read from the bucket) and writes the record beside both copies', async () => {
    const work = await dirs.make();
    const local = path.join(work, 'copies');
    await writeFile(path.join(work, 'both.yaml'), `storage:\n  - local: { dir: ${local} }\n  - s3: { bucket: ${BUCKET}, prefix: both/ }\nsteps:\n  - kind: full\n`);
    const before = proxy.log.length;

    const result = await runCli(['run', path.join(work, 'both.yaml'), '--verify', '--json'], { env: s3Env(), cwd: work });

    expect(result.stderr).not.toContain('verifying the local copy only');
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as Summary;
    const zip = (await listTree(local)).find((file) => file.endsWith('.zip'))!;
    const zipKey = `both/${zip}`;
    const localZip = path.join(local, zip);
    expect(summary.verify).toEqual({
      ok: true,
      record: `s3://${BUCKET}/${zipKey}.verified.json`,
      records: [`s3://${BUCKET}/${zipKey}.verified.json`, `${localZip}.verified.json`],
    });
    const remoteRecord = JSON.parse((await getSmallObject(client, BUCKET, `${zipKey}.verified.json`))!) as Record<string, unknown>;
    const localRecord = JSON.parse(await readFile(`${localZip}.verified.json`, 'utf8')) as Record<string, unknown>;
    expect(remoteRecord).toMatchObject({ archive: `s3://${BUCKET}/${zipKey}`, ok: true, outcome: 'verified' });
    // One verification, two records: the same verdict, each naming its own copy.
    expect(localRecord).toEqual({ ...remoteRecord, archive: localZip });
    expect(proxy.log.slice(before).some((r) => r.method === 'GET' && r.url.split('?')[0] === `/${BUCKET}/${zipKey}` && r.range !== undefined)).toBe(true);
    expect(existsSync(`${localZip}.verified.json`)).toBe(true);
  });
});
