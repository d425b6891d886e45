// `pgbak run` writing to S3 storage (a real s3rver on loopback) and to a local folder
// at once: the object is the complete, readable zip; a failed run leaves no zip (its log only).
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { openZip, parseManifest } from '../../../lib/archive/index.js';
import { repoRoot, runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { s3ClientEnv, startFaultProxy, startS3Server, type S3TestServer } from '../../support/s3-server.js';
import { errorReport, fakePgBin, listTree, tempDirs } from '../failures/helpers.js';
import { expectOnlyFailureLog } from './run-log-objects.js';

const BUCKET = 'backups';
const cluster = getCluster(15);
const dirs = tempDirs();
let s3: S3TestServer;
let client: S3Client;
let database: TestDatabase;

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
  database = await createTestDatabase(cluster, 's3run');
  await query(cluster, database.name, 'CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 500) g;');
});

afterAll(async () => {
  await database?.drop();
  await s3?.stop();
  await dirs.removeAll();
});

function s3Env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...pgEnv(cluster, database.name),
    ...s3ClientEnv(s3.endpoint),
    ...extra,
  };
}

function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function keysUnder(prefix: string): Promise<string[]> {
  const answer = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (answer.Contents ?? []).map((object) => object.Key!).sort();
}

async function text(key: string): Promise<string> {
  const answer = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return answer.Body!.transformToString('utf8');
}

async function download(key: string, to: string): Promise<Buffer> {
  const answer = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const bytes = Buffer.from(await answer.Body!.transformToByteArray());
  await writeFile(to, bytes);
  return bytes;
}

describe('pgbak run to S3 storage', () => {
  it('run full --storage s3://bucket/pg/{database}/ streams a readable pgbak zip to the bucket under the expanded prefix', async () => {
    const state = await dirs.make();
    const result = await runCli(['run', 'full', '--storage', `s3://${BUCKET}/pg/{database}/`, '--output-dir', state, '--json'], { env: s3Env(), cwd: state });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);

    // The zip, its checksum and the run's log beside it.
    const [log, ...keys] = await keysUnder(`pg/${database.name}/`);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(new RegExp(`^pg/${database.name}/full-${database.name}-\\d{8}T\\d{6}Z\\.zip$`));
    expect(keys[1]).toBe(`${keys[0]}.sha256`);
    expect(log).toBe(keys[0]!.replace(/\.zip$/, '.log'));
    const copy = path.join(state, 'downloaded.zip');
    const bytes = await download(keys[0]!, copy);
    // The zip's sha256, hashed on the way up: in the sidecar (sha256sum format) and in the summary.
    const sha256 = sha256Of(bytes);
    expect(await text(keys[1]!)).toBe(`${sha256}  ${path.posix.basename(keys[0]!)}\n`);
    const summary = JSON.parse(result.stdout) as { sha256: string; bytes: number; copies: unknown[] };
    expect(summary.sha256).toBe(sha256);
    expect(summary.copies).toEqual([{ location: `s3://${BUCKET}/${keys[0]}`, bytes: bytes.length, sha256 }]);
    const reader = await openZip(copy);
    try {
      const manifest = parseManifest(await reader.readText('manifest.json'));
      expect(manifest.steps.map((step) => step.database)).toContain(database.name);
    } finally {
      await reader.close();
    }
    // Nothing of the dump on local disk: the state folder holds the run log only (and the lock's leftovers, none).
    const files = (await listTree(state)).filter((file) => file !== 'downloaded.zip');
    expect(files.filter((file) => file.endsWith('.zip') || file.endsWith('.partial'))).toEqual([]);
    expect(files.some((file) => file.endsWith('.log'))).toBe(true);
  });

  it('run and list --profile name the same prefix for a profile whose name is hostile ({profile} with a backslash, "..", spaces, unicode)', async () => {
    const work = await dirs.make();
    const file = path.join(work, 'we ird\\..ünï côde.yaml');
    await writeFile(file, `storage:\n  - s3: { bucket: ${BUCKET}, prefix: "hostile/{profile}/" }\nsteps:\n  - kind: schema-only\n`);
    const run = await runCli(['run', file, '--json'], { env: s3Env(), cwd: work });
    expect({ exitCode: run.exitCode, stderr: run.stderr }).toEqual({ exitCode: 0, stderr: expect.any(String) });
    // The backslash cannot climb or add a level: it became "_", as for every placeholder value.
    const prefix = 'hostile/we ird_..ünï côde/';
    const zip = (await keysUnder('hostile/')).find((key) => key.endsWith('.zip'))!;
    expect(zip.startsWith(prefix)).toBe(true);

    // list (and status, prune) with the profile named by its file: the same prefix, and its backups.
    const listed = await runCli(['list', '--profile', file, '--json'], { env: s3Env(), cwd: work });
    expect(listed.exitCode).toBe(0);
    const out = JSON.parse(listed.stdout) as { outputDir: string; backups: Array<{ file: string; profile: string }> };
    expect(out.outputDir).toBe(`s3://${BUCKET}/${prefix}`);
    expect(out.backups.map((backup) => [backup.profile, backup.file])).toEqual([['we ird\\..ünï côde', zip.slice(prefix.length)]]);
    const status = await runCli(['status', '--profile', file, '--json'], { env: s3Env(), cwd: work });
    expect((JSON.parse(status.stdout) as { groups: Array<{ count: number }> }).groups).toEqual([expect.objectContaining({ count: 1 })]);
  });

  it('plan prints the s3:// destination with the prefix expanded', async () => {
    const state = await dirs.make();
    const result = await runCli(['plan', 'full', '--storage', `s3://${BUCKET}/pg/{profile}/{database}/`, '--storage', state], { env: s3Env(), cwd: state });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`archive +s3://${BUCKET}/pg/full/${database.name}/full-${database.name}-\\d{8}T\\d{6}Z\\.zip`));
    expect(result.stdout).toContain(`${state}/full-${database.name}-`);
  });

  it('a profile with local and s3 storage writes two byte-identical copies', async () => {
    const work = await dirs.make();
    const local = path.join(work, 'local-copies');
    await writeFile(
      path.join(work, 'both.yaml'),
      [
        'storage:',
        `  - local: { dir: ${local} }`,
        `  - s3: { bucket: ${BUCKET}, prefix: "both/{profile}/" }`,
        'steps:',
        '  - kind: full',
        '',
      ].join('\n'),
    );
    const result = await runCli(['run', path.join(work, 'both.yaml'), '--json'], { env: s3Env(), cwd: work });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);

    const zips = (await listTree(local)).filter((file) => file.endsWith('.zip'));
    expect(zips).toHaveLength(1);
    const keys = await keysUnder('both/both/');
    expect(keys).toEqual([`both/both/${zips[0]!.replace(/\.zip$/, '.log')}`, `both/both/${zips[0]}`, `both/both/${zips[0]}.sha256`]);
    const remote = await download(keys[1]!, path.join(work, 'remote.zip'));
    expect(remote.equals(await readFile(path.join(local, zips[0]!)))).toBe(true);
    // Every copy's sha256 in the summary, the local one too; the sidecar only beside the object.
    const sha256 = sha256Of(remote);
    expect((JSON.parse(result.stdout) as { copies: unknown[] }).copies).toEqual([
      { location: path.join(local, zips[0]!), bytes: remote.length, sha256 },
      { location: `s3://${BUCKET}/${keys[1]}`, bytes: remote.length, sha256 },
    ]);
    expect(existsSync(path.join(local, `${zips[0]}.sha256`))).toBe(false);
    // The log stays beside the local copy.
    expect(existsSync(path.join(local, zips[0]!.replace(/\.zip$/, '.log')))).toBe(true);
  });

  it('a pg_dump that fails mid-stream leaves no object in the bucket and no local .partial', async () => {
    const state = await dirs.make();
    const local = await dirs.make();
    const result = await runCli(['run', 'schema-only', '--storage', `s3://${BUCKET}/failed/`, '--storage', local, '--output-dir', state], {
      env: s3Env({ PGBAK_PG_BIN: fakePgBin, FAKE_PG_DUMP_MODE: 'exit1' }),
      cwd: state,
    });
    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toContain('pg_dump exited with code 1');
    // Only the run's log, which says why.
    expect((await expectOnlyFailureLog(client, BUCKET, 'failed/')).message).toContain('pg_dump exited with code 1');
    const left = await listTree(local);
    expect(left.filter((file) => file.endsWith('.zip') || file.includes('.partial'))).toEqual([]);
  });

  it('a bucket that does not exist: exit 1 naming the bucket and NoSuchBucket, and no local copy left', async () => {
    const local = await dirs.make();
    const result = await runCli(['run', 'full', '--storage', 's3://no-such-bucket/pg/', '--storage', local], { env: s3Env(), cwd: local });
    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toContain('s3://no-such-bucket/pg/');
    expect(report.message).toContain('NoSuchBucket');
    const left = await listTree(local);
    expect(left.filter((file) => file.endsWith('.zip') || file.includes('.partial'))).toEqual([]);
  });

  it('an unreachable endpoint: exit 1 with the storage error', async () => {
    const local = await dirs.make();
    const result = await runCli(['run', 'full', '--storage', `s3://${BUCKET}/pg/`], {
      env: s3Env({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1' }),
      cwd: local,
    });
    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toContain(`s3://${BUCKET}/pg/`);
  });

  it('AccessDenied from the store: exit 1 with its code, no object, no local copy', async () => {
    const proxy = await startFaultProxy(s3.endpoint, [{ match: (req) => req.method === 'PUT' || req.method === 'POST', times: Infinity, status: 403, code: 'AccessDenied' }]);
    try {
      const local = await dirs.make();
      const result = await runCli(['run', 'full', '--storage', `s3://${BUCKET}/denied/`, '--storage', local], { env: s3Env({ AWS_ENDPOINT_URL_S3: proxy.endpoint }), cwd: local });
      expect(result.exitCode).toBe(1);
      const report = errorReport(result.stderr);
      expect(report.message).toContain(`s3://${BUCKET}/denied/`);
      expect(report.message).toContain('AccessDenied');
      // The S3 module's error keeps its hint through the CLI bundle (two copies of PgbakError).
      expect(report.hint).toContain('s3:PutObject');
      expect(await keysUnder('denied/')).toEqual([]);
      expect((await listTree(local)).filter((file) => file.endsWith('.zip') || file.includes('.partial'))).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });

  it('with S3 only, --verify reads the object back (run-verify-s3.test.ts) and retention prunes the bucket', async () => {
    const work = await dirs.make();
    await writeFile(path.join(work, 'kept.yaml'), `storage:\n  - s3: { bucket: ${BUCKET}, prefix: kept/ }\nretention: { keepLast: 1 }\nsteps:\n  - kind: full\n`);
    const result = await runCli(['run', path.join(work, 'kept.yaml'), '--verify', '--json'], { env: s3Env(), cwd: work });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).not.toContain('verify skipped');
    expect(result.stderr).not.toContain('retention not applied');
    expect((JSON.parse(result.stdout) as { retention: { copies: Array<{ location: string }> } }).retention.copies).toEqual([{ location: `s3://${BUCKET}/kept/`, deleted: [], failed: 0 }]);
    expect((await keysUnder('kept/')).filter((key) => key.endsWith('.zip'))).toHaveLength(1);
  });

  it('plan shows each bucket\'s upload settings: part size and why, queue and memory, storage class, encryption', async () => {
    const work = await dirs.make();
    await writeFile(
      path.join(work, 'settings.yaml'),
      `storage:\n  - s3: { bucket: ${BUCKET}, prefix: set/, storageClass: STANDARD_IA, sse: "aws:kms", kmsKeyId: alias/pgbak, maxParts: 1000 }\n  - s3: { bucket: ${BUCKET}, prefix: fixed/, partSize: 64MiB, sse: AES256 }\nsteps:\n  - kind: full\n`,
    );
    const result = await runCli(['plan', path.join(work, 'settings.yaml')], { env: s3Env(), cwd: work });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/parts of 8\.0 MiB \(for [\d.]+ MiB of databases: parts hold at least twice that\), at most 1000: up to 7\.8 GiB; 2 at once, up to 24\.0 MiB in memory; storage class STANDARD_IA; encryption at rest SSE-KMS \(aws:kms, key alias\/pgbak\)/);
    expect(result.stdout).toContain("parts of 64.0 MiB (set by the profile), at most 10000: up to 625.0 GiB; 1 at once, up to 128.0 MiB in memory; storage class the bucket's default; encryption at rest SSE-S3 (AES256)");
    // A part size the profile fixed above the memory budget is warned about.
    expect(result.stderr).toContain('more than the 80.0 MiB budget');

    const json = await runCli(['plan', path.join(work, 'settings.yaml'), '--json'], { env: s3Env(), cwd: work });
    const storage = (JSON.parse(json.stdout) as { storage: Array<Record<string, unknown>> }).storage;
    expect(storage[0]).toMatchObject({ storageClass: 'STANDARD_IA', sse: 'aws:kms', kmsKeyId: 'alias/pgbak', upload: { partSize: 8 * 1024 * 1024, maxParts: 1000, queueSize: 2 } });
    expect(storage[1]).toMatchObject({ partSize: 64 * 1024 * 1024, upload: { partSize: 64 * 1024 * 1024, maxParts: 10_000, queueSize: 1 } });
  });

  it('a run sizes its parts from pg_database_size and uploads with the profile\'s storage class and SSE-KMS key', async () => {
    const big = await createTestDatabase(cluster, 's3parts');
    const proxy = await startFaultProxy(s3.endpoint, []);
    try {
      // ~14 MB that no compression shrinks, so that the archive takes two parts of the size chosen.
      await query(
        cluster,
        big.name,
        `CREATE TABLE blobs (id int PRIMARY KEY, data bytea);
         INSERT INTO blobs SELECT g, (SELECT decode(string_agg(md5(random()::text || g || h), ''), 'hex') FROM generate_series(1, 1024) h) FROM generate_series(1, 900) g;`,
      );
      const bytes = (await query<{ bytes: string }>(cluster, big.name, 'SELECT pg_database_size(current_database())::text AS bytes'))[0]!.bytes;
      const work = await dirs.make();
      await writeFile(
        path.join(work, 'sized.yaml'),
        `storage:\n  - s3: { bucket: ${BUCKET}, prefix: sized/, maxParts: 4, storageClass: ONEZONE_IA, sse: "aws:kms", kmsKeyId: alias/pgbak }\nsteps:\n  - kind: full\n`,
      );
      const result = await runCli(['run', path.join(work, 'sized.yaml'), '--json'], {
        env: { ...s3Env({ AWS_ENDPOINT_URL_S3: proxy.endpoint }), PGDATABASE: big.name },
        cwd: work,
      });
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.exitCode).toBe(0);

      // partSize × 4 parts ≥ 2 × the database size, rounded up to a MiB (the size may move by a few pages meanwhile).
      const MiB = 1024 * 1024;
      const expected = Math.ceil((2 * Number(bytes)) / 4 / MiB) * MiB;
      const parts = proxy.log.filter((entry) => entry.method === 'PUT' && /[?&]partNumber=/.test(entry.url));
      expect(parts.length).toBeGreaterThanOrEqual(2);
      const partSize = Number(parts.find((entry) => /[?&]partNumber=1(&|$)/.test(entry.url))!.headers['content-length']);
      expect(partSize % MiB).toBe(0);
      expect(partSize).toBeGreaterThan(8 * MiB);
      expect(Math.abs(partSize - expected)).toBeLessThanOrEqual(MiB);
      const create = proxy.log.find((entry) => entry.method === 'POST' && entry.url.endsWith('?uploads='))!;
      expect(create.headers).toMatchObject({
        'x-amz-storage-class': 'ONEZONE_IA',
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': 'alias/pgbak',
      });
      // The run log says how it uploaded.
      const logs = (await listTree(work)).filter((file) => file.endsWith('.log'));
      const log = await readFile(path.join(work, logs[0]!), 'utf8');
      expect(log).toContain(`in parts of ${(partSize / MiB).toFixed(1)} MiB (at most 4, `);
      expect(log).toContain('storage class ONEZONE_IA, encryption aws:kms with key alias/pgbak');
      const summary = JSON.parse(result.stdout) as { sha256: string; bytes: number };
      expect(summary.bytes).toBeGreaterThan(partSize);
      const keys = await keysUnder('sized/');
      expect(await text(keys.find((key) => key.endsWith('.sha256'))!)).toMatch(new RegExp(`^${summary.sha256}  `));
    } finally {
      await proxy.stop();
      await big.drop();
    }
  });

  it('over HTTPS, a run uploads its parts as UNSIGNED-PAYLOAD (no second sha256 of every byte) on kept-alive connections (no Expect: 100-continue), and the object lands byte-exact', async () => {
    const big = await createTestDatabase(cluster, 's3https');
    const work = await dirs.make();
    // A certificate for 127.0.0.1 that the run trusts through NODE_EXTRA_CA_CERTS, as an operator would a private CA.
    const [key, cert] = [path.join(work, 'key.pem'), path.join(work, 'cert.pem')];
    await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    const proxy = await startFaultProxy(s3.endpoint, [], { tls: { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') } });
    try {
      expect(proxy.endpoint).toMatch(/^https:/);
      // ~7 MB that no compression shrinks: two parts of 5 MiB.
      await query(
        cluster,
        big.name,
        `CREATE TABLE blobs (id int PRIMARY KEY, data bytea);
         INSERT INTO blobs SELECT g, (SELECT decode(string_agg(md5(random()::text || g || h), ''), 'hex') FROM generate_series(1, 1024) h) FROM generate_series(1, 450) g;`,
      );
      await writeFile(path.join(work, 'tls.yaml'), `storage:\n  - s3: { bucket: ${BUCKET}, prefix: tls/, partSize: 5MiB }\nsteps:\n  - kind: full\n`);
      const result = await runCli(['run', path.join(work, 'tls.yaml'), '--json'], {
        env: { ...s3Env({ AWS_ENDPOINT_URL_S3: proxy.endpoint, NODE_EXTRA_CA_CERTS: cert }), PGDATABASE: big.name },
        cwd: work,
      });
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.exitCode).toBe(0);
      const uploads = proxy.log.filter((entry) => entry.method === 'PUT');
      const parts = uploads.filter((entry) => /[?&]partNumber=/.test(entry.url));
      expect(parts.length).toBeGreaterThanOrEqual(2);
      // Parts without Expect: 100-continue, on kept-alive connections: with the header, the SDK
      // sent each on a TLS connection of its own, opened for that one request.
      for (const part of parts) {
        expect(part.headers.expect).toBeUndefined();
        expect(proxy.log.filter((entry) => entry.connection === part.connection).length).toBeGreaterThan(1);
      }
      // Every part, the .sha256 and the run log: unsigned payloads over TLS, the header itself signed.
      for (const entry of uploads) {
        expect(entry.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
        expect(entry.headers.authorization).toMatch(/SignedHeaders=[^,]*x-amz-content-sha256/);
      }
      const summary = JSON.parse(result.stdout) as { sha256: string; bytes: number };
      const zip = (await keysUnder('tls/')).find((name) => name.endsWith('.zip'))!;
      const bytes = await download(zip, path.join(work, 'downloaded.zip'));
      expect(bytes.length).toBe(summary.bytes);
      expect(sha256Of(bytes)).toBe(summary.sha256);
    } finally {
      await proxy.stop();
      await big.drop();
    }
  });

  it('an archive that outgrows partSize × maxParts fails the run at once with that error (not "pg_dump exited with code 1"), and leaves no object', async () => {
    const big = await createTestDatabase(cluster, 's3outgrow');
    try {
      await query(
        cluster,
        big.name,
        `CREATE TABLE blobs (id int PRIMARY KEY, data bytea);
         INSERT INTO blobs SELECT g, (SELECT decode(string_agg(md5(random()::text || g || h), ''), 'hex') FROM generate_series(1, 1024) h) FROM generate_series(1, 500) g;`,
      );
      const work = await dirs.make();
      await writeFile(path.join(work, 'small.yaml'), `storage:\n  - s3: { bucket: ${BUCKET}, prefix: outgrown/, partSize: 5MiB, maxParts: 1 }\nsteps:\n  - kind: full\n`);
      const result = await runCli(['run', path.join(work, 'small.yaml')], { env: { ...s3Env(), PGDATABASE: big.name }, cwd: work });
      expect(result.exitCode).toBe(1);
      const report = errorReport(result.stderr);
      expect(report.message).toMatch(new RegExp(`s3://${BUCKET}/outgrown/small-${big.name}-\\d{8}T\\d{6}Z\\.zip outgrew its upload: 1 part of 5\\.0 MiB hold 5\\.0 MiB, and the archive is larger \\(its parts were sized for databases of [\\d.]+ MiB\\)`));
      expect(report.hint).toContain('larger partSize');
      // The profile's sizes cannot hold the database either: said before the dump began.
      expect(result.stderr).toContain('the upload may fail when it runs out of parts');
      expect((await expectOnlyFailureLog(client, BUCKET, 'outgrown/')).message).toBe(report.message);
    } finally {
      await big.drop();
    }
  });

  it('the CLI bundle leaves the AWS SDK out: a run without S3 storage does not load it', async () => {
    const bundle = await readFile(path.join(repoRoot, 'dist/cli.cjs'), 'utf8');
    expect(bundle).not.toContain('@aws-sdk/');
    expect(bundle).toContain('require("./s3-load.cjs")');
    // No import() at all: code compiled from V8's code cache could not run it (lib/cli/compile-cache.ts).
    expect(bundle).not.toMatch(/\bimport\(/);
  });

  it('S3 storage is one bundle with the AWS SDK in it: a run to S3 does not load the SDK\'s ~300 modules one by one', async () => {
    const bundle = await readFile(path.join(repoRoot, 'dist/s3.cjs'), 'utf8');
    expect(bundle).not.toMatch(/from\s*["']@(aws-sdk|smithy)\//);
    expect(bundle).toContain('CreateMultipartUploadCommand');
    // It is compiled from V8's code cache (dist/s3-load.cjs), which cannot run an import():
    // the SDK's instance-metadata credentials (import("node:http")) would fail on Node 20.
    expect(bundle).not.toMatch(/[^\w.$]import\(/);
    const loader = await readFile(path.join(repoRoot, 'dist/s3-load.cjs'), 'utf8');
    expect(loader).not.toContain('@aws-sdk/');
    expect(loader).toContain('s3.cjs');
  });

  it('a run to S3 compiles the S3 bundle from V8\'s code cache: written by the first run, read by the next, and both upload', async () => {
    const cache = await dirs.make();
    const state = await dirs.make();
    // The test setup turns the cache off for every process (tests/support/temp-guard-setup.js): on again here (an undefined variable is not passed on).
    const env = { ...s3Env({ XDG_CACHE_HOME: cache }), NODE_DISABLE_COMPILE_CACHE: undefined as unknown as string };
    const run = () => runCli(['run', 'full', '--storage', `s3://${BUCKET}/code-cache/`, '--output-dir', state, '--quiet'], { env, cwd: state });
    const cached = async () => (await readdir(path.join(cache, 'pgbak', 'node-compile-cache'))).filter((name) => name.startsWith('s3.cjs-'));
    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    const [file, ...more] = await cached();
    expect(more).toEqual([]);
    expect(file).toMatch(/^s3\.cjs-[0-9a-f]{8}-v[\d.]+-\w+-[0-9a-f]{8}-run\.v8$/);
    const written = await stat(path.join(cache, 'pgbak', 'node-compile-cache', file!));
    const second = await run();
    expect(second.stderr).toBe('');
    expect(second.exitCode).toBe(0);
    // Read, not written again (the cache is written only when there was none that fit).
    expect(await cached()).toEqual([file]);
    expect((await stat(path.join(cache, 'pgbak', 'node-compile-cache', file!))).mtimeMs).toBe(written.mtimeMs);
    expect((await keysUnder('code-cache/')).filter((key) => key.endsWith('.zip'))).toHaveLength(2);
  });
});

// Parts go without Expect: 100-continue (lib/storage/s3/client.ts): a store that refuses on
// the headers alone must still fail the run at CreateMultipartUpload, before any part is sent.
describe('a multipart upload the store refuses on its headers', () => {
  let big: TestDatabase;
  beforeAll(async () => {
    big = await createTestDatabase(cluster, 's3refused');
    // ~7 MB that no compression shrinks: more than one part of 5 MiB.
    await query(
      cluster,
      big.name,
      `CREATE TABLE blobs (id int PRIMARY KEY, data bytea);
       INSERT INTO blobs SELECT g, (SELECT decode(string_agg(md5(random()::text || g || h), ''), 'hex') FROM generate_series(1, 1024) h) FROM generate_series(1, 450) g;`,
    );
  });
  afterAll(async () => {
    await big?.drop();
  });

  it.each([
    ['credentials the store does not know: InvalidAccessKeyId', BUCKET, 'InvalidAccessKeyId', 'Check the credentials'],
    ['a bucket that does not exist: NoSuchBucket', 'no-such-bucket', 'NoSuchBucket', 'Create the bucket'],
  ])('%s — exit 1 naming bucket, key and the code; no part sent, no object, no incomplete upload', async (_name, bucket, code, hint) => {
    const rules = code === 'InvalidAccessKeyId' ? [{ match: (req: { method?: string }) => req.method === 'PUT' || req.method === 'POST', times: Infinity, status: 403, code }] : [];
    const proxy = await startFaultProxy(s3.endpoint, rules, { store: s3 });
    try {
      const work = await dirs.make();
      await writeFile(path.join(work, 'refused.yaml'), `storage:\n  - s3: { bucket: ${bucket}, prefix: refused/, partSize: 5MiB }\nsteps:\n  - kind: full\n`);
      const result = await runCli(['run', path.join(work, 'refused.yaml')], { env: { ...s3Env({ AWS_ENDPOINT_URL_S3: proxy.endpoint }), PGDATABASE: big.name }, cwd: work });
      expect(result.exitCode).toBe(1);
      const report = errorReport(result.stderr);
      expect(report.message).toMatch(new RegExp(`s3://${bucket}/refused/refused-${big.name}-\\d{8}T\\d{6}Z\\.zip: ${code} \\(HTTP (403|404)\\)`));
      expect(report.hint).toContain(hint);
      // Refused at CreateMultipartUpload: not one part went.
      expect(proxy.log.some((entry) => entry.method === 'POST' && /[?&]uploads/.test(entry.url) && entry.status >= 400)).toBe(true);
      expect(proxy.log.filter((entry) => /[?&]partNumber=/.test(entry.url))).toEqual([]);
      expect(await keysUnder('refused/')).toEqual([]);
      expect(await s3.incompleteUploads(BUCKET)).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});
