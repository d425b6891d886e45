// `pgbak restore s3://…` and `pgbak verify s3://…`: the archive is read in place by
// ranged GETs from a real S3-protocol server (s3rver) behind the logging fault proxy,
// checked entry by entry before anything is restored; verify's record goes into the
// bucket beside the backup, and the zip's `<key>.sha256` (when there is one) is checked.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { jest } from '@jest/globals';
import { getSmallObject } from '../../../lib/storage/s3/index.js';
import { hasClientTools, query, type TestDatabase } from '../../support/db.js';
import { SEEDED_SNAPSHOT, snapshotDatabase } from '../../support/seed.js';
import { removeTempDirs, type Backup } from '../../support/restore-helpers.js';
import { s3ClientEnv, startFaultProxy, startS3Server, type FaultProxy, type S3TestServer } from '../../support/s3-server.js';
import { errorReport } from '../failures/helpers.js';
import { cluster, databaseExists, leftScratchDatabases, pgbak, testState } from './helpers.js';

jest.setTimeout(180_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const BUCKET = 'backups';
const state = testState();
let s3: S3TestServer;
let client: S3Client;
let proxy: FaultProxy;
let source: TestDatabase;
let custom: Backup;
let plain: Backup;
let customBytes: Buffer;
let wideBytes: Buffer;

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
  proxy = await startFaultProxy(s3.endpoint, [
    { match: (req) => req.url!.includes('/denied/'), times: Infinity, status: 403, code: 'AccessDenied' },
  ]);
  source = await state.seeded('rs3_source');
  custom = await state.backup(source, ['full']);
  plain = await state.backup(source, ['full', '--engine', 'native']);
  customBytes = await readFile(custom.archive);
  await put('pg/custom.zip', customBytes);
  await put('pg/plain.zip', await readFile(plain.archive));
  await put('pg/split.zip', await readFile((await state.backup(source, ['full', '--engine', 'native', '--layout', 'split'])).archive));
  // A directory-format backup of several MiB: random text compresses little, the big table is most of it.
  const wide = await state.fresh('rs3_wide');
  await query(cluster, wide.name, "CREATE TABLE big (id int PRIMARY KEY, pad text); INSERT INTO big SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) FROM generate_series(1, 150000) g");
  await query(cluster, wide.name, 'CREATE TABLE small (id int PRIMARY KEY, name text); INSERT INTO small SELECT g, md5(g::text) FROM generate_series(1, 300) g');
  wideBytes = await readFile((await state.backup(wide, ['full', '--format', 'directory'])).archive);
  await put('pg/wide.zip', wideBytes);
});

afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
  await state.cleanUp();
  await removeTempDirs();
});

async function put(key: string, body: Buffer | string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

/** The AWS SDK's environment, through the command's loaded env, pointed at the logging proxy. */
function s3Env(endpoint = proxy.endpoint): Record<string, string> {
  return s3ClientEnv(endpoint);
}

/** The archive with one byte of the dump entry's data changed (a bad disk, a bad copy). */
function damaged(bytes: Buffer, entry: string): Buffer {
  const copy = Buffer.from(bytes);
  const at = copy.indexOf(Buffer.from(entry)) + entry.length + 200;
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

function requestsSince(before: number) {
  return proxy.log.slice(before);
}

describeWithTools('pgbak restore s3://…', () => {
  it('restores a custom-format backup from the bucket with --create: the same data as the source, read by HEAD and ranged GETs only', async () => {
    const target = state.unusedName('rs3_custom');
    const before = proxy.log.length;

    const result = await pgbak(['restore', `s3://${BUCKET}/pg/custom.zip`, '--target', target, '--create'], s3Env());

    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);
    expect(await snapshotDatabase(cluster, target)).toEqual(SEEDED_SNAPSHOT);
    const requests = requestsSince(before);
    expect(requests.map((r) => r.method)).toEqual(['HEAD', ...requests.slice(1).map(() => 'GET')]);
    for (const r of requests.slice(1)) expect(r.range).toMatch(/^bytes=\d+-\d+$/);
  });

  it('restores a plain SQL backup made by the native engine from the bucket', async () => {
    const target = state.unusedName('rs3_plain');

    const result = await pgbak(['restore', `s3://${BUCKET}/pg/plain.zip`, '--target', target, '--create', '--json'], s3Env());

    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, archive: `s3://${BUCKET}/pg/plain.zip`, items: [{ format: 'plain', target, created: true }] });
    expect(await snapshotDatabase(cluster, target)).toEqual(SEEDED_SNAPSHOT);
  });

  it('restores a native backup in the split layout with --jobs 2, each part streamed from the bucket', async () => {
    const target = state.unusedName('rs3_split');

    const result = await pgbak(['restore', `s3://${BUCKET}/pg/split.zip`, '--target', target, '--create', '--jobs', '2', '--json'], s3Env());

    expect(result.stderr).not.toContain('pgbak: error');
    expect(result.exitCode).toBe(0);
    expect(await snapshotDatabase(cluster, target)).toEqual(SEEDED_SNAPSHOT);
  });

  it('restores with --jobs 2 through a private temp folder that is gone afterwards', async () => {
    const target = state.unusedName('rs3_jobs');

    const result = await pgbak(['restore', `s3://${BUCKET}/pg/custom.zip`, '--target', target, '--create', '--jobs', '2', '--verbose'], s3Env());

    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('extracted to a private temp dir for pg_restore');
    expect(await snapshotDatabase(cluster, target)).toEqual(SEEDED_SNAPSHOT);
    // The test run's private TMPDIR is checked for leftovers after the run (tests/support/temp-guard-teardown.js).
  });

  it('refuses a damaged object (exit 1, naming the entry) and restores nothing: the target is not even created', async () => {
    const entry = custom.manifest.steps[0]!.entries[0]!.name;
    await put('pg/damaged.zip', damaged(customBytes, entry));
    const target = state.unusedName('rs3_damaged');

    const result = await pgbak(['restore', `s3://${BUCKET}/pg/damaged.zip`, '--target', target, '--create'], s3Env());

    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(new RegExp(`s3://backups/pg/damaged\\.zip is not a readable pgbak archive: 1 of \\d+ entries do not match the manifest: ${entry.replace(/[.]/g, '\\.')}`));
    expect(report.hint).toContain('nothing was restored');
    expect(await databaseExists(target)).toBe(false);
  });

  it('refuses a truncated object as a truncated file, nothing created', async () => {
    await put('pg/cut.zip', customBytes.subarray(0, customBytes.length - 1000));
    const target = state.unusedName('rs3_cut');

    const result = await pgbak(['restore', `s3://${BUCKET}/pg/cut.zip`, '--target', target, '--create'], s3Env());

    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toMatch(/^s3:\/\/backups\/pg\/cut\.zip is not a readable pgbak archive/);
    expect(await databaseExists(target)).toBe(false);
  });

  // s3rver ignores If-Match: the proxy answers a later ranged GET as S3 does when the
  // object's ETag changed since the HEAD (412 PreconditionFailed).
  it('an object replaced while it is read: exit 1 saying so, nothing restored; verify records no verdict', async () => {
    let gets = 0;
    const swapping = await startFaultProxy(s3.endpoint, [
      // The first GET is the zip's tail (directory, manifest); the second reads an entry.
      { match: (req) => req.method === 'GET' && req.headers['if-match'] !== undefined && ++gets === 2, times: 2, status: 412, code: 'PreconditionFailed' },
    ]);
    try {
      const target = state.unusedName('rs3_swapped');
      const result = await pgbak(['restore', `s3://${BUCKET}/pg/wide.zip`, '--target', target, '--create'], s3Env(swapping.endpoint));
      expect(swapping.log.filter((r) => r.injected)).toHaveLength(1); // during the check, before any server was touched
      expect(result.exitCode).toBe(1);
      const report = errorReport(result.stderr);
      expect(report.message).toContain('cannot read s3://backups/pg/wide.zip: PreconditionFailed (HTTP 412)');
      expect(report.hint).toContain('replaced while it was read');
      expect(await databaseExists(target)).toBe(false);

      gets = 0;
      await put('pg/swapped-v.zip', wideBytes);
      const verify = await pgbak(['verify', `s3://${BUCKET}/pg/swapped-v.zip`], s3Env(swapping.endpoint));
      expect(verify.exitCode).toBe(1);
      expect(errorReport(verify.stderr).message).toMatch(/^not verified: cannot read s3:\/\/backups\/pg\/swapped-v\.zip: PreconditionFailed/);
      const record = JSON.parse((await getSmallObject(client, BUCKET, 'pg/swapped-v.zip.verified.json'))!) as Record<string, unknown>;
      expect(record).toMatchObject({ ok: false, outcome: 'not verified' });
    } finally {
      await swapping.stop();
    }
  });

  it('a missing key, a missing bucket and AccessDenied fail with exit 1 naming the object and the S3 error, nothing created', async () => {
    const target = state.unusedName('rs3_missing');
    const cases: Array<[string, RegExp]> = [
      [`s3://${BUCKET}/pg/nope.zip`, /s3:\/\/backups\/pg\/nope\.zip is not a readable pgbak archive: no such object \(NotFound, HTTP 404\)/],
      ['s3://no-such-bucket/pg/x.zip', /s3:\/\/no-such-bucket\/pg\/x\.zip is not a readable pgbak archive: no such bucket \(NoSuchBucket\)/],
      [`s3://${BUCKET}/denied/x.zip`, /cannot read s3:\/\/backups\/denied\/x\.zip: Forbidden \(HTTP 403\)/],
    ];
    const hints: string[] = [];
    for (const [url, message] of cases) {
      const result = await pgbak(['restore', url, '--target', target, '--create'], s3Env());
      expect(result.exitCode).toBe(1);
      expect(errorReport(result.stderr).message).toMatch(message);
      hints.push(errorReport(result.stderr).hint ?? '');
    }
    // The S3 module (loaded lazily, beside the CLI bundle) has its own copy of PgbakError:
    // its errors must still be known as such, or their hints are lost.
    expect(hints[0]).toContain('Check the bucket and key');
    expect(hints[1]).toContain('Check the bucket name');
    expect(hints[2]).toContain('allows s3:GetObject');
    expect(await databaseExists(target)).toBe(false);
  });
});

describeWithTools('pgbak restore s3://… --table (a directory-format backup)', () => {
  it('reads the toc and that table\'s data file only, by ranged GETs: far less than the object', async () => {
    const bytes = wideBytes;
    expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024);
    const target = state.unusedName('rs3_one_table');
    const before = proxy.log.length;

    const result = await pgbak(['restore', `s3://${BUCKET}/pg/wide.zip`, '--target', target, '--create', '--table', 'small', '--verbose'], s3Env());

    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/reading 2 of the \d+ files of the directory dump/);
    expect(await query(cluster, target, 'SELECT count(*)::int AS n FROM small')).toEqual([{ n: 300 }]);
    expect(await query(cluster, target, "SELECT to_regclass('public.big') AS big")).toEqual([{ big: null }]);
    const requests = requestsSince(before);
    expect(requests.map((r) => r.method)).toEqual(['HEAD', ...requests.slice(1).map(() => 'GET')]);
    for (const r of requests.slice(1)) expect(r.range).toMatch(/^bytes=\d+-\d+$/);
    const fetched = requests.reduce((sum, r) => sum + r.bytes, 0);
    expect(fetched).toBeLessThan(bytes.length / 20);
  });
});

describeWithTools('pgbak verify s3://…', () => {
  it('verifies the object in place and writes <key>.verified.json into the bucket; no sidecar: "zip checksum not recorded"', async () => {
    const before = proxy.log.length;

    const result = await pgbak(['verify', `s3://${BUCKET}/pg/custom.zip`, '--json'], s3Env());

    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('zip checksum not recorded');
    const verdict = JSON.parse(result.stdout) as { ok: boolean; archive: string; recordPath: string; zipChecksum: unknown };
    expect(verdict).toMatchObject({ ok: true, archive: `s3://${BUCKET}/pg/custom.zip`, recordPath: `s3://${BUCKET}/pg/custom.zip.verified.json`, zipChecksum: { status: 'not recorded' } });
    const record = JSON.parse((await getSmallObject(client, BUCKET, 'pg/custom.zip.verified.json'))!) as Record<string, unknown>;
    expect(record).toMatchObject({ archive: `s3://${BUCKET}/pg/custom.zip`, archiveBytes: customBytes.length, ok: true, outcome: 'verified', mismatches: [] });
    // The record went up as one PutObject; the archive was only read.
    const writes = requestsSince(before).filter((r) => r.method === 'PUT');
    expect(writes.map((r) => r.url.replace(/\?.*$/, ''))).toEqual([`/${BUCKET}/pg/custom.zip.verified.json`]);
    expect(await leftScratchDatabases()).toEqual([]);
  });

  it('checks the whole object against <key>.sha256 when the upload recorded one', async () => {
    await put('pg/summed.zip', customBytes);
    await put('pg/summed.zip.sha256', `${createHash('sha256').update(customBytes).digest('hex')}  summed.zip\n`);

    const result = await pgbak(['verify', `s3://${BUCKET}/pg/summed.zip`, '--json'], s3Env());

    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, zipChecksum: { status: 'matched' } });
    expect(result.stderr).toContain("the zip's sha256 matches s3://backups/pg/summed.zip.sha256");
    const text = await pgbak(['verify', `s3://${BUCKET}/pg/summed.zip`], s3Env());
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('zip sha256: matches s3://backups/pg/summed.zip.sha256');
  });

  it('a sha256 mismatch fails verification (exit 3), recorded in the bucket, before any scratch database', async () => {
    await put('pg/replaced.zip', customBytes);
    await put('pg/replaced.zip.sha256', `${'0'.repeat(64)}  replaced.zip\n`);

    const result = await pgbak(['verify', `s3://${BUCKET}/pg/replaced.zip`], s3Env());

    expect(result.exitCode).toBe(3);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(/s3:\/\/backups\/pg\/replaced\.zip is not a readable pgbak archive: its sha256 is [0-9a-f]{64}, but s3:\/\/backups\/pg\/replaced\.zip\.sha256 recorded 0{64}/);
    expect(report.hint).toContain('recorded in s3://backups/pg/replaced.zip.verified.json');
    const record = JSON.parse((await getSmallObject(client, BUCKET, 'pg/replaced.zip.verified.json'))!) as Record<string, unknown>;
    expect(record).toMatchObject({ ok: false, outcome: 'failed', server: null });
    expect(await leftScratchDatabases()).toEqual([]);
  });

  it('a damaged object fails verification with exit 3, recorded in the bucket', async () => {
    await put('pg/damaged-v.zip', damaged(customBytes, custom.manifest.steps[0]!.entries[0]!.name));

    const result = await pgbak(['verify', `s3://${BUCKET}/pg/damaged-v.zip`], s3Env());

    expect(result.exitCode).toBe(3);
    expect(errorReport(result.stderr).message).toContain('entries do not match the manifest');
    const record = JSON.parse((await getSmallObject(client, BUCKET, 'pg/damaged-v.zip.verified.json'))!) as Record<string, unknown>;
    expect(record).toMatchObject({ ok: false, outcome: 'failed' });
  });

  it('a missing object is no verdict: exit 1, and no record is written', async () => {
    const result = await pgbak(['verify', `s3://${BUCKET}/pg/gone.zip`], s3Env());

    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toContain('no such object');
    expect(await getSmallObject(client, BUCKET, 'pg/gone.zip.verified.json')).toBeNull();
  });

  it('an object the storage refuses to read (AccessDenied) is no verdict on the backup: exit 1, not 3', async () => {
    const result = await pgbak(['verify', `s3://${BUCKET}/denied/x.zip`], s3Env());

    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toMatch(/AccessDenied|403/);
  });
});

describeWithTools('pgbak compare --source s3://…', () => {
  it('reads the schema model from the archive in the bucket: no drift against the source, drift once the source changed', async () => {
    const url = `s3://${BUCKET}/pg/custom.zip`;
    const same = await pgbak(['compare', '--source', url, '--target', `postgresql://${cluster.user}@${cluster.host}:${cluster.port}/${source.name}`], s3Env());
    expect(same.stderr).not.toMatch(/error/i);
    expect(same.exitCode).toBe(0);

    const changed = await state.fresh('rs3_changed');
    await query(cluster, changed.name, 'CREATE TABLE only_here (id int)');
    const drift = await pgbak(['compare', '--source', url, '--target', `postgresql://${cluster.user}@${cluster.host}:${cluster.port}/${changed.name}`], s3Env());
    expect(drift.exitCode).toBe(3);
  });

  it('a missing object is ARCHIVE_INVALID naming it (exit 1)', async () => {
    const result = await pgbak(['compare', '--source', `s3://${BUCKET}/pg/nope.zip`, '--target', `postgresql://${cluster.user}@${cluster.host}:${cluster.port}/${source.name}`], s3Env());
    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toContain('s3://backups/pg/nope.zip is not a readable pgbak archive: no such object');
  });
});
