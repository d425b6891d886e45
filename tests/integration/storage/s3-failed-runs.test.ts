// A run to S3 storage that fails puts its log in the bucket, beside where its zip would
// have been (`<name>.log`); a run that succeeds puts its complete log beside its zip.
// `pgbak status` over the bucket then shows the last failure (time, code, message) as it
// does for a folder, and `pgbak prune` over the bucket removes failed runs' logs by the
// folder's rule (older than the oldest backup kept), never a kept backup's log. Storing
// the log is best effort: a store that fails or hangs never changes the run's own error.
// Against a real S3-protocol server on loopback (s3rver), with the fault proxy in front
// where the store must fail.
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { jest } from '@jest/globals';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { s3ClientEnv, startFaultProxy, startS3Server, type FaultProxy, type S3TestServer } from '../../support/s3-server.js';
import { errorReport, fakePgBin, listTree, tempDirs } from '../failures/helpers.js';
import { expectOnlyFailureLog, keysIn, readRunLogObject } from './run-log-objects.js';

jest.setTimeout(120_000);

const BUCKET = 'failures';
const cluster = getCluster(15);
const dirs = tempDirs();
let s3: S3TestServer;
let client: S3Client;
let database: TestDatabase;
const proxies: FaultProxy[] = [];
let prefixCount = 0;

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
  database = await createTestDatabase(cluster, 's3failed');
  await query(cluster, database.name, 'CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 10);');
});

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
});

afterAll(async () => {
  await database?.drop();
  await s3?.stop();
  await dirs.removeAll();
});

function s3Env(extra: Record<string, string> = {}, endpoint = s3.endpoint): Record<string, string> {
  return { ...pgEnv(cluster, database.name), ...s3ClientEnv(endpoint), ...extra };
}

const newPrefix = () => `r${++prefixCount}/`;
const failingPgDump = { PGBAK_PG_BIN: fakePgBin, FAKE_PG_DUMP_MODE: 'exit1' };

interface StatusJson {
  groups: Array<{
    profile: string;
    database: string;
    count: number;
    failing: boolean;
    stale: boolean;
    lastSuccess: { file: string } | null;
    lastFailure: { path: string; file: string; startedAt: string; failedAt: string; reason: string; code?: string; ageMs: number } | null;
    /** The folder or the prefix the group is in. */
    location: string;
  }>;
}

/** A status group as both storages must agree on it: where it is (path) and the ages aside. */
function comparable(report: StatusJson) {
  // Where a group is (`location`: the folder or the prefix) differs by nature; everything else must not.
  return report.groups.map(({ lastFailure, location: _location, ...group }) => ({ ...group, lastFailure: lastFailure && { ...lastFailure, path: undefined, ageMs: undefined } }));
}

/** The lines `status` prints under its table: why the newest run of a group failed. */
const failureLines = (stdout: string) => stdout.split('\n').filter((line) => line.includes('last run failed'));

describe('pgbak status over a bucket shows the runs that failed there', () => {
  it('a run whose pg_dump fails: the bucket holds its log, and status s3://… shows the failure as status of the folder does (text, --json, exit codes)', async () => {
    const prefix = newPrefix();
    const local = await dirs.make();
    const result = await runCli(['run', 'schema-only', '--storage', `s3://${BUCKET}/${prefix}`, '--storage', local], { env: s3Env(failingPgDump), cwd: local });
    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toContain('pg_dump exited with code 1');

    const stored = await expectOnlyFailureLog(client, BUCKET, prefix);
    expect(stored.message).toBe(report.message);
    expect(stored.code).toMatch(/^[A-Z_]+$/);
    // The same name as the log in the folder, beside where the zip would be.
    expect((await listTree(local)).filter((file) => file.endsWith('.log'))).toEqual([path.posix.basename(stored.key)]);

    const bucket = `s3://${BUCKET}/${prefix}`;
    const [fromBucket, fromFolder] = await Promise.all([runCli(['status', bucket, '--json'], { env: s3Env() }), runCli(['status', local, '--json'], { env: s3Env() })]);
    expect({ exitCode: fromBucket.exitCode, stderr: fromBucket.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(fromFolder.exitCode).toBe(0);
    const bucketReport = JSON.parse(fromBucket.stdout) as StatusJson;
    expect(bucketReport.groups).toEqual([
      expect.objectContaining({
        profile: 'schema-only',
        database: database.name,
        count: 0,
        failing: true,
        lastSuccess: null,
        lastFailure: expect.objectContaining({ path: `${bucket}${path.posix.basename(stored.key)}`, reason: report.message, code: stored.code }),
      }),
    ]);
    expect(comparable(bucketReport)).toEqual(comparable(JSON.parse(fromFolder.stdout) as StatusJson));

    // The text report: the same line under the table, code and message.
    const [bucketText, folderText] = await Promise.all([runCli(['status', bucket], { env: s3Env() }), runCli(['status', local], { env: s3Env() })]);
    expect(failureLines(bucketText.stdout)).toEqual([expect.stringContaining(`: ${String(stored.code)}: ${report.message} (`)]);
    expect(failureLines(bucketText.stdout)).toEqual(failureLines(folderText.stdout));

    // Stale: exit 3 for both, the STALE line naming the failure.
    const [bucketStale, folderStale] = await Promise.all([runCli(['status', bucket, '--max-age', '1h'], { env: s3Env() }), runCli(['status', local, '--max-age', '1h'], { env: s3Env() })]);
    expect(bucketStale.exitCode).toBe(3);
    expect(folderStale.exitCode).toBe(3);
    const staleLine = (stderr: string) => stderr.split('\n').find((line) => line.includes('STALE'))?.replace(/failed .* ago/, 'failed … ago');
    expect(staleLine(bucketStale.stderr)).toContain(`STALE schema-only/${database.name}: no successful backup; the last run failed`);
    expect(staleLine(bucketStale.stderr)).toBe(staleLine(folderStale.stderr));

    // list --json has the failed run too.
    const listed = await runCli(['list', bucket, '--json'], { env: s3Env() });
    expect(listed.exitCode).toBe(0);
    expect((JSON.parse(listed.stdout) as { failedRuns: Array<{ file: string; code?: string }> }).failedRuns).toEqual([
      expect.objectContaining({ file: path.posix.basename(stored.key), code: stored.code }),
    ]);
  });

  it('a run that fails before its log was attached (a database that does not exist): its log reaches the bucket under the prefix the run would have used', async () => {
    const state = await dirs.make();
    const result = await runCli(['run', 'schema-only', '--storage', `s3://${BUCKET}/pre/{profile}/{database}/`, '--output-dir', state], {
      env: s3Env({ PGDATABASE: 'no_such_db_s3' }),
      cwd: state,
    });
    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr);
    const stored = await expectOnlyFailureLog(client, BUCKET, 'pre/schema-only/no_such_db_s3/');
    expect(stored.message).toBe(report.message);
    expect(stored.code).toBe('DATABASE_MISSING');

    const status = await runCli(['status', `s3://${BUCKET}/pre/schema-only/no_such_db_s3/`, '--json'], { env: s3Env() });
    expect(status.exitCode).toBe(0);
    expect((JSON.parse(status.stdout) as StatusJson).groups).toEqual([
      expect.objectContaining({ database: 'no_such_db_s3', failing: true, lastFailure: expect.objectContaining({ code: 'DATABASE_MISSING', reason: report.message }) }),
    ]);
  });

  it('a successful run puts its whole log beside its zip (verification included); status does not count it as a failure', async () => {
    const prefix = newPrefix();
    const state = await dirs.make();
    const result = await runCli(['run', 'schema-only', '--storage', `s3://${BUCKET}/${prefix}`, '--output-dir', state, '--verify'], { env: s3Env(), cwd: state });
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({ exitCode: 0, stderr: expect.any(String) });
    const keys = (await keysIn(client, BUCKET, prefix)).map((key) => key.slice(prefix.length));
    const zip = keys.find((key) => key.endsWith('.zip'))!;
    expect(keys).toEqual([zip.replace(/\.zip$/, '.log'), zip, `${zip}.sha256`, `${zip}.verified.json`].sort());
    const records = await readRunLogObject(client, BUCKET, `${prefix}${zip.replace(/\.zip$/, '.log')}`);
    // More than the log inside the zip: what came after the zip was finished.
    expect(records.map((record) => String(record.message))).toEqual(expect.arrayContaining([expect.stringMatching(/^backup complete: /), expect.stringMatching(/^verified: /)]));
    expect(records.some((record) => String(record.message).startsWith('run failed'))).toBe(false);
    const status = await runCli(['status', `s3://${BUCKET}/${prefix}`, '--json'], { env: s3Env() });
    expect((JSON.parse(status.stdout) as StatusJson).groups).toEqual([expect.objectContaining({ count: 1, failing: false, lastFailure: null, lastSuccess: expect.objectContaining({ file: zip }) })]);
  });
});

describe('storing the run log is best effort: the run keeps its own error', () => {
  async function proxyWith(rules: Parameters<typeof startFaultProxy>[1]): Promise<FaultProxy> {
    const proxy = await startFaultProxy(s3.endpoint, rules, { store: s3 });
    proxies.push(proxy);
    return proxy;
  }

  it('503 from the store on every PUT: exit 1 with the upload\'s own error; that the log could not be stored is a warning', async () => {
    const proxy = await proxyWith([{ match: (req) => req.method === 'PUT', times: Infinity, status: 503, code: 'SlowDown' }]);
    const prefix = newPrefix();
    const state = await dirs.make();
    const result = await runCli(['run', 'schema-only', '--storage', `s3://${BUCKET}/${prefix}`, '--output-dir', state], {
      env: s3Env({ AWS_MAX_ATTEMPTS: '2' }, proxy.endpoint),
      cwd: state,
    });
    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(new RegExp(`^cannot upload to s3://${BUCKET}/${prefix}schema-only-\\S+\\.zip: SlowDown \\(HTTP 503\\)$`));
    expect(result.stderr).toMatch(new RegExp(`warning: the run log was not stored in the bucket: cannot write s3://${BUCKET}/${prefix}schema-only-\\S+\\.log: SlowDown \\(HTTP 503\\)`));
    // The log was tried (and refused), after the zip.
    const puts = proxy.log.filter((entry) => entry.method === 'PUT').map((entry) => path.posix.extname(new URL(entry.url, 'http://x').pathname));
    expect(puts).toEqual(['.zip', '.zip', '.log', '.log']);
    expect(await keysIn(client, BUCKET, prefix)).toEqual([]);
    // The local log has the failure and the warning.
    expect((await listTree(state)).filter((file) => file.endsWith('.log'))).toHaveLength(1);
  });

  it('a store that never answers the log\'s PUT: the run ends within the log\'s time bound, exit 1 with pg_dump\'s error', async () => {
    const proxy = await proxyWith([{ match: (req) => req.method === 'PUT' && /\.log(\?|$)/.test(req.url ?? ''), times: Infinity, fault: 'stall' }]);
    const prefix = newPrefix();
    const state = await dirs.make();
    const started = Date.now();
    const result = await runCli(['run', 'schema-only', '--storage', `s3://${BUCKET}/${prefix}`, '--output-dir', state], {
      env: s3Env(failingPgDump, proxy.endpoint),
      cwd: state,
    });
    const took = Date.now() - started;
    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toContain('pg_dump exited with code 1');
    expect(result.stderr).toMatch(/warning: the run log was not stored in the bucket: storing the run log at s3:\/\/\S+\.log took longer than 15 s/);
    // 15 s for the log, not the SDK's 60 s of silence × 5 attempts.
    expect(took).toBeGreaterThanOrEqual(15_000);
    expect(took).toBeLessThan(45_000);
    expect(proxy.log.filter((entry) => entry.fault === 'stall')).toHaveLength(1);
  });
});

describe('pgbak prune over a bucket removes the logs of failed runs by the folder\'s rule', () => {
  it('a failed run older than the oldest backup kept loses its log; a newer failure and the kept backup\'s log stay; a deleted backup\'s log goes with it', async () => {
    const prefix = newPrefix();
    const state = await dirs.make();
    const bucket = `s3://${BUCKET}/${prefix}`;
    const run = async (env: Record<string, string>) => {
      const result = await runCli(['run', 'schema-only', '--storage', bucket, '--output-dir', state], { env: s3Env(env), cwd: state });
      // One second apart: names and times in order.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      return result;
    };
    const before = new Set<string>();
    const newKeys = async () => {
      const keys = (await keysIn(client, BUCKET, prefix)).map((key) => key.slice(prefix.length)).filter((key) => !before.has(key));
      for (const key of keys) before.add(key);
      return keys;
    };
    expect((await run(failingPgDump)).exitCode).toBe(1);
    const [oldFailure] = await newKeys();
    expect((await run({})).exitCode).toBe(0);
    const firstBackup = await newKeys();
    expect((await run({})).exitCode).toBe(0);
    const keptBackup = await newKeys();
    expect((await run(failingPgDump)).exitCode).toBe(1);
    const [newFailure] = await newKeys();
    expect(oldFailure).toMatch(/\.log$/);
    expect(newFailure).toMatch(/\.log$/);
    expect(firstBackup).toHaveLength(3);
    expect(keptBackup).toHaveLength(3);

    const dry = await runCli(['prune', bucket, '--keep-last', '1', '--dry-run', '--json'], { env: s3Env() });
    expect(dry.exitCode).toBe(0);
    const planned = JSON.parse(dry.stdout) as { logs: Array<{ file: string; action: string }> };
    expect(planned.logs).toEqual([expect.objectContaining({ file: oldFailure, action: 'would-delete' })]);
    expect(await keysIn(client, BUCKET, prefix)).toHaveLength(8);

    const pruned = await runCli(['prune', bucket, '--keep-last', '1', '--json'], { env: s3Env() });
    expect({ exitCode: pruned.exitCode, stderr: pruned.stderr }).toEqual({ exitCode: 0, stderr: '' });
    const result = JSON.parse(pruned.stdout) as { logs: Array<{ file: string; action: string }>; deleted: number };
    expect(result.logs).toEqual([expect.objectContaining({ file: oldFailure, action: 'deleted' })]);
    expect(result.deleted).toBe(1);
    expect((await keysIn(client, BUCKET, prefix)).map((key) => key.slice(prefix.length))).toEqual([...keptBackup, newFailure].sort());

    // What status now says: the newest run failed, after the kept backup.
    const status = await runCli(['status', bucket, '--json'], { env: s3Env() });
    expect((JSON.parse(status.stdout) as StatusJson).groups).toEqual([expect.objectContaining({ count: 1, failing: true, lastFailure: expect.objectContaining({ file: newFailure }) })]);
  });
});
