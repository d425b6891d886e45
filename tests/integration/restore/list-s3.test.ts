// `pgbak restore s3://bucket/key.zip --list` reads the archive in place through ranged
// GETs (HEAD for the size, then the central directory, the manifest and what pg_restore
// --list reads), against a real S3-protocol server (s3rver) behind a logging proxy.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { jest } from '@jest/globals';
import { hasClientTools, query, type TestDatabase } from '../../support/db.js';
import { makeTempDir, removeTempDirs, type Backup } from '../../support/restore-helpers.js';
import { s3ClientEnv, startFaultProxy, startS3Server, type FaultProxy, type S3TestServer } from '../../support/s3-server.js';
import { cluster, pgbak, testState } from './helpers.js';

jest.setTimeout(180_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const BUCKET = 'backups';
const state = testState();
let s3: S3TestServer;
let client: S3Client;
let proxy: FaultProxy;
let source: TestDatabase;
let backup: Backup;
let archiveBytes: Buffer;

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
  proxy = await startFaultProxy(s3.endpoint, []);
  source = await state.fresh('ls_s3');
  // Random text compresses little: a dump of several MiB, of which --list needs the start.
  await query(cluster, source.name, "CREATE TABLE big (id int PRIMARY KEY, pad text); INSERT INTO big SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) FROM generate_series(1, 150000) g");
  backup = await state.backup(source, ['full']);
  archiveBytes = await readFile(backup.archive);
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'pg/x.zip', Body: archiveBytes }));
});

afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
  await state.cleanUp();
  await removeTempDirs();
});


/** The AWS SDK's environment, through the command's loaded env (as an env file or the shell would give it). */
function s3Env(endpoint = proxy.endpoint): Record<string, string> {
  return s3ClientEnv(endpoint);
}

describeWithTools('pgbak restore s3://… --list', () => {
  it('prints the same listing as for the local file, reading far less than the object through ranged GETs only', async () => {
    expect(archiveBytes.length).toBeGreaterThan(4 * 1024 * 1024);
    const local = await pgbak(['restore', backup.archive, '--list']);
    expect(local.exitCode).toBe(0);
    const before = proxy.log.length;

    const remote = await pgbak(['restore', `s3://${BUCKET}/pg/x.zip`, '--list'], s3Env());

    expect(remote.stderr).toBe('');
    expect(remote.exitCode).toBe(0);
    expect(remote.stdout.replace(`s3://${BUCKET}/pg/x.zip`, '<archive>')).toBe(local.stdout.replace(backup.archive, '<archive>'));
    expect(remote.stdout).toMatch(/TABLE DATA public big/);
    const requests = proxy.log.slice(before);
    expect(requests.map((r) => r.method)).toEqual(['HEAD', ...requests.slice(1).map(() => 'GET')]);
    for (const r of requests.slice(1)) expect(r.range).toMatch(/^bytes=\d+-\d+$/);
    const fetched = requests.reduce((sum, r) => sum + r.bytes, 0);
    expect(fetched).toBeLessThan(archiveBytes.length / 4);
  });

  it('lists as JSON with the s3:// location as the archive', async () => {
    const remote = await pgbak(['restore', `s3://${BUCKET}/pg/x.zip`, '--list', '--json'], s3Env());
    expect(remote.exitCode).toBe(0);
    const listing = JSON.parse(remote.stdout) as { archive: string; steps: Array<{ toc: string | null }> };
    expect(listing.archive).toBe(`s3://${BUCKET}/pg/x.zip`);
    expect(listing.steps[0]!.toc).toMatch(/TABLE DATA public big/);
  });

  it('a missing key fails as a missing local file does (exit 1), naming s3://bucket/key', async () => {
    const dir = await makeTempDir('pgbak-ls-s3-');
    const local = await pgbak(['restore', join(dir, 'nope.zip'), '--list']);
    const remote = await pgbak(['restore', `s3://${BUCKET}/pg/nope.zip`, '--list'], s3Env());
    expect(remote.exitCode).toBe(local.exitCode);
    expect(remote.exitCode).toBe(1);
    expect(remote.stderr).toMatch(/s3:\/\/backups\/pg\/nope\.zip is not a readable pgbak archive: no such object \(NotFound, HTTP 404\)/);
  });

  it('a missing bucket names the S3 error code', async () => {
    const remote = await pgbak(['restore', 's3://no-such-bucket/x.zip', '--list'], s3Env());
    expect(remote.exitCode).toBe(1);
    expect(remote.stderr).toMatch(/s3:\/\/no-such-bucket\/x\.zip/);
  });

  it('a truncated object is refused as the truncated local file is', async () => {
    const dir = await makeTempDir('pgbak-ls-s3-');
    const cut = archiveBytes.subarray(0, archiveBytes.length - 1000);
    const file = join(dir, 'cut.zip');
    await writeFile(file, cut);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'pg/cut.zip', Body: cut }));

    const local = await pgbak(['restore', file, '--list']);
    const remote = await pgbak(['restore', `s3://${BUCKET}/pg/cut.zip`, '--list'], s3Env());

    expect(local.exitCode).toBe(1);
    expect(remote.exitCode).toBe(local.exitCode);
    expect(remote.stderr.replace(`s3://${BUCKET}/pg/cut.zip`, '<archive>')).toBe(local.stderr.replace(file, '<archive>'));
  });
});
