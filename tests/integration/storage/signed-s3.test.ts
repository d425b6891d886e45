// Signed archives in a bucket: a signed run uploads manifest.json.sig inside the zip and
// `run --verify` checks its own signature on the object read back; restore and verify of
// s3://… read the signature by ranged GETs like the manifest, and refuse (exit 3, nothing
// created) a crafted object whose entry sha256 was recomputed into the manifest.
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { jest } from '@jest/globals';
import { signingKeyId } from '../../../lib/crypto/signing/index.js';
import { getSmallObject } from '../../../lib/storage/s3/index.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { removeTempDirs } from '../../support/restore-helpers.js';
import { s3ClientEnv, startS3Server, type S3TestServer } from '../../support/s3-server.js';
import { errorReport, tempDirs } from '../failures/helpers.js';
import { rewriteEntry } from '../restore/tamper.js';

jest.setTimeout(180_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const BUCKET = 'backups';
const cluster = getCluster(15);
const dirs = tempDirs();
let s3: S3TestServer;
let client: S3Client;
let database: TestDatabase;
let work: string;
let keyId: string;
let zipKey: string;
const created: string[] = [];

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
  database = await createTestDatabase(cluster, 's3signed');
  await query(cluster, database.name, 'CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 300) g');
  work = await dirs.make();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  keyId = signingKeyId(publicKey);
  await writeFile(path.join(work, 'signing.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  await writeFile(path.join(work, 'signing.pub'), publicKey.export({ type: 'spki', format: 'pem' }) as string);
  await writeFile(path.join(work, 'other.pub'), generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string);
  await writeFile(path.join(work, 'signed.yaml'), `storage:\n  - s3: { bucket: ${BUCKET}, prefix: signed/ }\nsigning: { keyFile: signing.key }\nsteps:\n  - kind: full\n    format: plain\n`);
});

afterAll(async () => {
  for (const name of created) await query(cluster, 'postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await database?.drop();
  await s3?.stop();
  await dirs.removeAll();
  await removeTempDirs();
});

function env(): Record<string, string> {
  return { ...pgEnv(cluster, database.name), ...s3ClientEnv(s3.endpoint) };
}

function target(prefix: string): string {
  const name = `t_${prefix}_${Math.random().toString(16).slice(2, 10)}`;
  created.push(name);
  return name;
}

async function exists(name: string): Promise<boolean> {
  return (await query(cluster, 'postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0;
}

describeWithTools('signed archives in a bucket', () => {
  it('a signed run to S3 with --verify checks its own signature on the object read back', async () => {
    const result = await runCli(['run', path.join(work, 'signed.yaml'), '--verify', '--json'], { env: env(), cwd: work });
    expect(result.exitCode).toBe(0);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'signed/' }));
    zipKey = (listed.Contents ?? []).map((object) => object.Key!).find((key) => key.endsWith('.zip'))!;
    const record = JSON.parse((await getSmallObject(client, BUCKET, `${zipKey}.verified.json`))!) as Record<string, unknown>;
    expect(record).toMatchObject({ outcome: 'verified', authenticity: 'verified', signedBy: keyId });
  });

  it('restores s3://… with the key (signature read by ranged GETs), and verifies it, recording the signature in the bucket', async () => {
    const into = target('s3sig_ok');
    const restored = await runCli(['restore', `s3://${BUCKET}/${zipKey}`, '--target', into, '--create', '--json', '--verify-key', 'signing.pub'], { env: env(), cwd: work });
    expect(restored.exitCode).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ authenticity: 'verified', signedBy: keyId });
    expect(await query(cluster, into, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: 300 }]);

    const verified = await runCli(['verify', `s3://${BUCKET}/${zipKey}`, '--verify-key', 'signing.pub'], { env: env(), cwd: work });
    expect(verified.exitCode).toBe(0);
    expect(verified.stdout).toContain(`signature: verified, signed by key ${keyId}`);
  });

  it('refuses a crafted object (rows changed, sha256 recomputed into the manifest) and one checked with another key: exit 3, nothing created', async () => {
    const local = path.join(await dirs.make(), 'signed.zip');
    await writeFile(local, Buffer.from(await (await client.send(new (await import('@aws-sdk/client-s3')).GetObjectCommand({ Bucket: BUCKET, Key: zipKey }))).Body!.transformToByteArray()));
    const craftedFile = await rewriteEntry(local, `full/${database.name}.sql`, (sql) => sql.replace(/^(COPY public\.items .*\n)(.*\n)/m, '$1'), true);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'crafted/x.zip', Body: await readFile(craftedFile) }));

    for (const [archive, key, message] of [
      [`s3://${BUCKET}/crafted/x.zip`, 'signing.pub', /signature refused: its signature does not match manifest\.json/],
      [`s3://${BUCKET}/${zipKey}`, 'other.pub', /signature refused: it is signed by key/],
    ] as const) {
      const into = target('s3sig_refused');
      const result = await runCli(['restore', archive, '--target', into, '--create', '--verify-key', key], { env: env(), cwd: work });
      expect(result.exitCode).toBe(3);
      expect(errorReport(result.stderr).message).toMatch(message);
      expect(await exists(into)).toBe(false);
    }
    // Without the key the sha256 checks pass: the crafted object restores, with the warning.
    const into = target('s3sig_nokey');
    const accepted = await runCli(['restore', `s3://${BUCKET}/crafted/x.zip`, '--target', into, '--create'], { env: env(), cwd: work });
    expect(accepted.exitCode).toBe(0);
    expect(accepted.stderr).toContain('authenticity not checked');
    expect(await query(cluster, into, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: 299 }]);
  });
});
