// `pgbak run` to S3 storage when things break mid-upload: pg_dump killed or cut off
// from its server, the native engine cut off, SIGINT/SIGTERM to pgbak, the store
// answering 503 until the attempts run out, dropping connections or not answering.
// Every failure must leave no backup object (only the run's log, which says why) and no
// incomplete multipart upload; every transient fault must be retried into a
// byte-identical object.
//
// The store is s3rver behind the fault proxy with `store` emulation (see
// tests/support/s3-server.ts): AbortMultipartUpload really drops the upload's parts from
// s3rver's files, and "nothing left" is asserted three ways — ListObjects (no object but the log),
// the SDK's ListMultipartUploads (no incomplete upload) and s3rver's upload folders on
// disk — while the proxy's ledger proves a multipart upload was begun with parts stored,
// so a test cannot pass by failing before the upload started.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { runCli, startCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { multipartLedger, s3ClientEnv, startFaultProxy, startS3Server, type FaultProxy, type FaultProxyOptions, type FaultRule, type S3TestServer } from '../../support/s3-server.js';
import { errorReport, listTree, processExists, tempDirs } from '../failures/helpers.js';
import { expectOnlyFailureLog } from './run-log-objects.js';

const BUCKET = 'runs';
const cluster = getCluster(15);
const dirs = tempDirs();
let s3: S3TestServer;
let client: S3Client;
let database: TestDatabase;
let profile: string;
const proxies: FaultProxy[] = [];
const runs: ReturnType<typeof startCli>[] = [];
let prefixCount = 0;
const describeWithTools = hasClientTools(['pg_dump']) ? describe : describe.skip;

// About 100 MB of dump (25,000 rows of 4 KiB, stored uncompressed by pg_dump and by the
// zip) — more than the parts the upload holds in memory, so that pg_dump is still
// streaming when a test strikes after the first parts are stored. The rows are cheap to
// make: the database compresses them (TOAST), the dump does not.
const ROWS = 25_000;

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
  database = await createTestDatabase(cluster, 's3faults');
  await query(cluster, database.name, `CREATE TABLE big (id int PRIMARY KEY, payload text); INSERT INTO big SELECT g, repeat(md5(g::text), 128) FROM generate_series(1, ${ROWS}) g;`);
  const work = await dirs.make();
  profile = path.join(work, 'big.yaml');
  await writeFile(profile, ['zipCompressionLevel: 0', 'steps:', '  - kind: full', '    format: custom', '    compression: 0', ''].join('\n'));
});

afterEach(async () => {
  // A run a failed test left going is stopped before its store goes away.
  for (const run of runs.splice(0)) {
    run.kill('SIGKILL');
    await run;
  }
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
});

afterAll(async () => {
  await database?.drop();
  await s3?.stop();
  await dirs.removeAll();
});

const uploadPart = (n?: number) => (req: { method?: string; url?: string }) =>
  req.method === 'PUT' && new RegExp(`[?&]partNumber=${n ?? '\\d+'}(&|$)`).test(req.url ?? '');
const partsStored = (proxy: FaultProxy) => proxy.log.filter((entry) => uploadPart()(entry) && entry.status === 200).length;

async function proxyWith(rules: FaultRule[], options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const proxy = await startFaultProxy(s3.endpoint, rules, { store: s3, ...options });
  proxies.push(proxy);
  return proxy;
}

/** A slow store: each part waits before it is stored, so a run is mid-upload for seconds. */
const slowParts: FaultProxyOptions = { delay: (req) => (uploadPart()(req) ? 700 : 0) };

function s3Env(proxy: FaultProxy, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...pgEnv(cluster, database.name),
    ...s3ClientEnv(proxy.endpoint),
    ...extra,
  };
}

const newPrefix = () => `f${++prefixCount}/`;

/** `pgbak run <profile>` to `s3://BUCKET/<prefix>` through the proxy, not awaited. */
function startRun(proxy: FaultProxy, prefix: string, state: string, extraArgs: string[] = []): ReturnType<typeof startCli> {
  const run = startCli(['run', profile, ...extraArgs, '--storage', `s3://${BUCKET}/${prefix}`, '--output-dir', state], { env: s3Env(proxy), cwd: state });
  runs.push(run);
  return run;
}

async function waitFor(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Nothing of the failed run's backup is in the bucket: under `prefix`, only its run log
 * ending with the failure record (no zip, no `.sha256`), no incomplete upload
 * (ListMultipartUploads, and s3rver's upload folders on disk); and the proxy saw one
 * multipart upload under `prefix` begin, store at least two parts, never complete, and
 * be aborted. Returns the failure the log records.
 */
async function expectNothingLeft(proxy: FaultProxy, prefix: string): Promise<{ key: string; code: unknown; message: string }> {
  const failure = await expectOnlyFailureLog(client, BUCKET, prefix);
  const proxied = s3.client({ endpoint: proxy.endpoint });
  const uploads = await proxied.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }));
  expect((uploads.Uploads ?? []).map((upload) => upload.Key)).toEqual([]);
  expect((await s3.incompleteUploads(BUCKET)).filter((upload) => upload.key.startsWith(prefix))).toEqual([]);
  const ledger = [...multipartLedger(proxy).values()].filter((upload) => upload.key.startsWith(prefix));
  expect(ledger).toHaveLength(1);
  expect(ledger[0]!.partsStored.length).toBeGreaterThanOrEqual(2);
  expect(ledger[0]).toMatchObject({ completed: false, aborted: true });
  return failure;
}

/** The pg_dump child of a pgbak process, once it runs. */
async function pgDumpChildOf(pid: number): Promise<number> {
  let found: number | undefined;
  await waitFor('pg_dump to start', async () => {
    for (const task of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
      const children = (await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')).split(' ').filter(Boolean).map(Number);
      for (const child of children) {
        // The dump itself, not the `pg_dump --version` pgbak asks first.
        const argv = (await readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '')).split('\0');
        if (argv[0]?.endsWith('/pg_dump') && argv.some((arg) => arg.startsWith('--dbname='))) found = child;
      }
    }
    return found !== undefined;
  });
  return found!;
}

async function terminateBackends(): Promise<void> {
  await query(cluster, 'postgres', 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database.name]);
}

describeWithTools('a run to S3 that fails mid-upload leaves no object and no incomplete upload', () => {
  it('pg_dump cut off from its server mid-stream (its backend terminated): exit 1 with pg_dump\'s error', async () => {
    const proxy = await proxyWith([], slowParts);
    const prefix = newPrefix();
    const state = await dirs.make();
    const run = startRun(proxy, prefix, state);
    await waitFor('two parts stored', () => partsStored(proxy) >= 2);
    await terminateBackends();
    const result = await run;

    expect(result.exitCode).toBe(1);
    expect(errorReport(String(result.stderr)).message).toContain('pg_dump exited with code 1');
    await expectNothingLeft(proxy, prefix);
    expect((await listTree(state)).filter((file) => /\.zip|\.partial/.test(file))).toEqual([]);
  });

  it('pg_dump killed with SIGKILL mid-stream: exit 1 naming the signal', async () => {
    const proxy = await proxyWith([], slowParts);
    const prefix = newPrefix();
    const state = await dirs.make();
    const run = startRun(proxy, prefix, state);
    const pgDump = await pgDumpChildOf(run.pid!);
    await waitFor('two parts stored', () => partsStored(proxy) >= 2);
    process.kill(pgDump, 'SIGKILL');
    const result = await run;

    expect(result.exitCode).toBe(1);
    expect(errorReport(String(result.stderr)).message).toMatch(/pg_dump .*SIGKILL/);
    await expectNothingLeft(proxy, prefix);
  });

  it('the native engine cut off from the server mid-stream: exit 1 with the server\'s error', async () => {
    const proxy = await proxyWith([], slowParts);
    const prefix = newPrefix();
    const state = await dirs.make();
    const run = startRun(proxy, prefix, state, ['--engine', 'native']);
    await waitFor('two parts stored', () => partsStored(proxy) >= 2);
    await terminateBackends();
    const result = await run;

    expect(result.exitCode).toBe(1);
    expect(errorReport(String(result.stderr)).message).toMatch(/terminat|connection/i);
    await expectNothingLeft(proxy, prefix);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s to pgbak during the multipart upload: exit %i, pg_dump stopped, the upload aborted', async (signal, code) => {
    const proxy = await proxyWith([], slowParts);
    const prefix = newPrefix();
    const state = await dirs.make();
    const run = startRun(proxy, prefix, state);
    const pgDump = await pgDumpChildOf(run.pid!);
    await waitFor('two parts stored', () => partsStored(proxy) >= 2);
    run.kill(signal);
    const result = await run;

    expect(result.exitCode).toBe(code);
    expect(processExists(pgDump)).toBe(false);
    // The interrupted run's log still reaches the bucket: status there shows why it failed.
    expect((await expectNothingLeft(proxy, prefix)).code).toBe('INTERRUPTED');
    expect((await listTree(state)).filter((file) => /\.zip|\.partial/.test(file))).toEqual([]);
  });

  it('a store that refuses AbortMultipartUpload: the run still fails with pg_dump\'s error, and warns that an incomplete upload may be left', async () => {
    // s3rver's own answer to AbortMultipartUpload (405), as a store without the permission would refuse it.
    const proxy = await proxyWith([], { ...slowParts, store: undefined });
    const prefix = newPrefix();
    const state = await dirs.make();
    const run = startRun(proxy, prefix, state);
    await waitFor('two parts stored', () => partsStored(proxy) >= 2);
    await terminateBackends();
    const result = await run;

    expect(result.exitCode).toBe(1);
    expect(errorReport(String(result.stderr)).message).toContain('pg_dump exited with code 1');
    expect(String(result.stderr)).toMatch(new RegExp(`warning: cannot abort the multipart upload of s3://${BUCKET}/${prefix}\\S+: MethodNotAllowed \\(HTTP 405\\).*AbortIncompleteMultipartUpload`));
    expect(proxy.log.filter((entry) => entry.method === 'DELETE').map((entry) => entry.status)).toEqual([405]);
    expect((await expectOnlyFailureLog(client, BUCKET, prefix)).message).toContain('pg_dump exited with code 1');
    // What the warning says: the parts are still there (a lifecycle rule would remove them).
    const left = (await s3.incompleteUploads(BUCKET)).filter((upload) => upload.key.startsWith(prefix));
    expect(left).toHaveLength(1);
    expect(left[0]!.parts.length).toBeGreaterThanOrEqual(2);
  });

  it('503 SlowDown on part 3 until the attempts run out (AWS_MAX_ATTEMPTS=3 from the env file): exit 1 naming bucket, key and SlowDown', async () => {
    const proxy = await proxyWith([{ match: uploadPart(3), times: Infinity, status: 503, code: 'SlowDown' }]);
    const prefix = newPrefix();
    const state = await dirs.make();
    await writeFile(path.join(state, 'store.env'), 'AWS_MAX_ATTEMPTS=3\nAWS_RETRY_MODE=standard\n');
    const result = await runCli(['run', profile, '--env-file', path.join(state, 'store.env'), '--storage', `s3://${BUCKET}/${prefix}`, '--output-dir', state], { env: s3Env(proxy), cwd: state });

    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(new RegExp(`^cannot upload to s3://${BUCKET}/${prefix}big-${database.name}-\\d{8}T\\d{6}Z\\.zip: SlowDown \\(HTTP 503\\)$`));
    expect(report.hint).toContain('3 attempts, retried with backoff');
    // The env file's AWS_MAX_ATTEMPTS, not the default of 5, bounded the attempts.
    expect(proxy.log.filter((entry) => entry.injected && entry.status === 503)).toHaveLength(3);
    expect(await expectNothingLeft(proxy, prefix)).toEqual({ key: expect.any(String), code: 'OUTPUT_NOT_WRITABLE', message: report.message });
  });

  it('a store that stops answering (PGBAK_S3_TIMEOUT=2): exit 1 with TimeoutError after the attempts, not a hung run', async () => {
    const proxy = await proxyWith([{ match: uploadPart(3), times: Infinity, fault: 'stall' }]);
    const prefix = newPrefix();
    const state = await dirs.make();
    const started = Date.now();
    const result = await runCli(['run', profile, '--storage', `s3://${BUCKET}/${prefix}`, '--output-dir', state], {
      env: s3Env(proxy, { PGBAK_S3_TIMEOUT: '2', AWS_MAX_ATTEMPTS: '2' }),
      cwd: state,
    });

    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(new RegExp(`^cannot upload to s3://${BUCKET}/${prefix}\\S+\\.zip: TimeoutError: the request socket timed out after 2000 ms of inactivity`));
    expect(report.hint).toContain('PGBAK_S3_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(proxy.log.filter((entry) => entry.fault === 'stall')).toHaveLength(2);
    await expectNothingLeft(proxy, prefix);
  });
});

describe('the retry settings of a run to S3', () => {
  it('a malformed AWS_MAX_ATTEMPTS in the env file: exit 2 naming the variable, nothing sent to the store', async () => {
    const proxy = await proxyWith([]);
    const prefix = newPrefix();
    const state = await dirs.make();
    await writeFile(path.join(state, '.env'), 'AWS_MAX_ATTEMPTS=lots\n');
    const result = await runCli(['run', profile, '--storage', `s3://${BUCKET}/${prefix}`, '--output-dir', state], { env: s3Env(proxy), cwd: state });

    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr);
    expect(report.message).toBe('AWS_MAX_ATTEMPTS must be a whole number from 1 to 100, got "lots"');
    expect(report.hint).toContain('AWS_MAX_ATTEMPTS');
    expect(proxy.log).toEqual([]);
  });
});

describeWithTools('a run to S3 retries transient store failures and lands a byte-identical object', () => {
  /** Runs with a local copy beside the S3 one and returns both, after checking the run succeeded. */
  async function runBoth(proxy: FaultProxy, extra: Record<string, string> = {}): Promise<{ local: Buffer; remote: Buffer }> {
    const prefix = newPrefix();
    const state = await dirs.make();
    const result = await runCli(['run', profile, '--storage', `s3://${BUCKET}/${prefix}`, '--storage', state], { env: s3Env(proxy, extra), cwd: state });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);
    const zips = (await listTree(state)).filter((file) => file.endsWith('.zip'));
    expect(zips).toHaveLength(1);
    const answer = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}${zips[0]}` }));
    const remote = Buffer.from(await answer.Body!.transformToByteArray());
    expect((await s3.incompleteUploads(BUCKET)).filter((upload) => upload.key.startsWith(prefix))).toEqual([]);
    return { local: await readFile(path.join(state, zips[0]!)), remote };
  }

  it('a connection dropped halfway through part 2', async () => {
    const proxy = await proxyWith([{ match: uploadPart(2), times: 1, fault: 'reset' }]);
    const { local, remote } = await runBoth(proxy);
    expect(proxy.log.filter((entry) => entry.fault === 'reset')).toHaveLength(1);
    expect(local.length).toBeGreaterThan(50 * 1024 * 1024);
    expect(remote.equals(local)).toBe(true);
  });

  it('503 SlowDown on part 2, twice', async () => {
    const proxy = await proxyWith([{ match: uploadPart(2), times: 2, status: 503, code: 'SlowDown' }]);
    const { local, remote } = await runBoth(proxy);
    expect(proxy.log.filter((entry) => entry.injected && entry.status === 503)).toHaveLength(2);
    expect(remote.equals(local)).toBe(true);
  });

  it('part 1 not answered within PGBAK_S3_TIMEOUT', async () => {
    const proxy = await proxyWith([{ match: uploadPart(1), times: 1, fault: 'stall' }]);
    // Seconds, not one: s3rver answers CompleteMultipartUpload of 100 MB only once it has
    // copied the parts, silent meanwhile; a shorter limit would retry that too (see docs/storage.md).
    const { local, remote } = await runBoth(proxy, { PGBAK_S3_TIMEOUT: '5' });
    expect(proxy.log.filter((entry) => entry.fault === 'stall')).toHaveLength(1);
    expect(remote.equals(local)).toBe(true);
  });
});
