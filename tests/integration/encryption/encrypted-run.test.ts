// Encrypted backups end to end: `pgbak run` with `encryption:` writes `<name>.zip.age`
// (pg_dump and the native engine, to a folder and to a bucket), the stock `age` and `unzip`
// open it, and restore, verify, restore --list and compare read it with an identity. A
// missing or wrong identity is exit 2 before any database is touched; an altered archive
// is exit 3 with nothing restored; no key or passphrase reaches a log, the zip or stderr.
import { withoutAuthenticityWarning } from '../../support/authenticity.js';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { jest } from '@jest/globals';
import { openZip } from '../../../lib/archive/index.js';
import { connectionUrl, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { fakePgBin } from '../failures/helpers.js';
import { makeTempDir, removeTempDirs } from '../../support/restore-helpers.js';
import { s3ClientEnv, startFaultProxy, startS3Server, type FaultProxy, type S3TestServer } from '../../support/s3-server.js';
import { hasAge, runAge } from '../../support/age-cli.js';
import { cluster, databaseExists, pgbak, testState } from '../restore/helpers.js';

jest.setTimeout(240_000);

const describeIt = hasClientTools() && hasAge ? describe : describe.skip;
const BUCKET = 'secret';
const state = testState();
let s3: S3TestServer;
let client: S3Client;
let proxy: FaultProxy;
let source: TestDatabase;
let work: string;
let key: { file: string; recipient: string; secret: string };
let other: { file: string; recipient: string; secret: string };
const PASSPHRASE = 'pass-Phrase-that-must-never-show-9d2f';

async function keygen(dir: string, name: string) {
  const file = join(dir, name);
  expect((await runAge('age-keygen', ['-o', file])).code).toBe(0);
  const text = await readFile(file, 'utf8');
  return { file, recipient: /# public key: (age1\S+)/.exec(text)![1]!, secret: /(AGE-SECRET-KEY-1\S+)/.exec(text)![1]! };
}

async function profile(name: string, lines: string[]): Promise<string> {
  const file = join(work, `${name}.yaml`);
  await writeFile(file, [...lines, ''].join('\n'));
  return file;
}

function s3Env(endpoint = proxy.endpoint): Record<string, string> {
  return s3ClientEnv(endpoint);
}

async function runProfile(profileFile: string, outDir: string, extra: string[] = [], env: Record<string, string> = {}) {
  return pgbak(['run', profileFile, '-o', outDir, '--json', ...extra], { ...pgEnv(cluster, source.name), ...env });
}

async function onlyArchive(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.zip.age'));
  expect(files).toHaveLength(1);
  return join(dir, files[0]!);
}

function ageDecryptToZip(archive: string, identity: string, out: string): string {
  execFileSync('age', ['-d', '-i', identity, '-o', out, archive]);
  return execFileSync('unzip', ['-l', out], { encoding: 'utf8' });
}

beforeAll(async () => {
  work = await makeTempDir('pgbak-age-');
  key = await keygen(work, 'age.key');
  other = await keygen(work, 'other.key');
  source = await state.fresh('age_src');
  await query(cluster, source.name, "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 3000) g; CREATE TABLE other (x int)");
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
  proxy = await startFaultProxy(s3.endpoint, []);
});

afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
  await state.cleanUp();
  await removeTempDirs();
});

describeIt('pgbak run with age encryption', () => {
  it.each([['pg_dump', 'custom'], ['native', 'plain']])('%s: writes only <name>.zip.age, which age -d and unzip open, and restore --identity restores', async (engine, format) => {
    const out = await makeTempDir('pgbak-age-out-');
    const file = await profile(`enc-${engine}`, ['encryption:', `  ageRecipients: ["${key.recipient}"]`, `engine: ${engine === 'native' ? 'native' : 'pg_dump'}`, 'steps:', '  - kind: full', `    format: ${format}`]);
    const run = await runProfile(file, out);
    expect(run.stderr).not.toMatch(/error|warn/i);
    expect(run.exitCode).toBe(0);
    const archive = await onlyArchive(out);
    expect((await readdir(out)).filter((f) => f.endsWith('.zip'))).toEqual([]);
    const bytes = await readFile(archive);
    expect(bytes.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    // The summary's sha256 is of the bytes stored: the ciphertext.
    const summary = JSON.parse(run.stdout) as { archive: string; sha256?: string; bytes?: number };
    expect(JSON.stringify(summary)).toContain(archive);
    expect(JSON.stringify(summary)).toContain(createHash('sha256').update(bytes).digest('hex'));

    const listing = ageDecryptToZip(archive, key.file, join(out, 'x.zip'));
    expect(listing).toContain('manifest.json');

    const target = state.unusedName('age_restore');
    const restored = await pgbak(['restore', archive, '--identity', key.file, '--target', target, '--create']);
    expect(restored.stderr).not.toMatch(/error/i);
    expect(restored.exitCode).toBe(0);
    expect(await query(cluster, target, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: 3000 }]);

    const verified = await pgbak(['verify', archive], { PGBAK_AGE_IDENTITY_FILE: key.file });
    expect(verified.stderr).not.toMatch(/error/i);
    expect(verified.exitCode).toBe(0);

    const listed = await pgbak(['restore', archive, '--list', '--identity', key.file, '--debug']);
    expect(listed.exitCode).toBe(0);
    // The private key appears nowhere: outputs, the run log, the zip's entries.
    const log = await readFile(archive.replace(/\.zip\.age$/, '.log'), 'utf8');
    for (const text of [run.stdout, run.stderr, restored.stdout, restored.stderr, verified.stdout, verified.stderr, listed.stdout, listed.stderr, log, listing]) {
      expect(text).not.toContain(key.secret);
    }
    const zipReader = await openZip(join(out, 'x.zip'));
    try {
      for (const entry of zipReader.entries()) expect(await zipReader.readText(entry.name, { maxBytes: 64 * 1024 * 1024 })).not.toContain(key.secret);
    } finally {
      zipReader.close();
    }
    expect(listed.stdout).toMatch(/full\//);
  });

  it('refuses a missing or wrong identity with exit 2 before any database is touched', async () => {
    const out = await makeTempDir('pgbak-age-out-');
    const file = await profile('enc-keys', ['encryption:', `  ageRecipients: ["${key.recipient}"]`, 'steps:', '  - kind: full']);
    expect((await runProfile(file, out)).exitCode).toBe(0);
    const archive = await onlyArchive(out);
    const target = state.unusedName('age_nokey');

    const missing = await pgbak(['restore', archive, '--target', target, '--create']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/is encrypted \(age\): an identity is needed/);
    expect(missing.stderr).toMatch(/--identity/);

    const wrong = await pgbak(['restore', archive, '--identity', other.file, '--target', target, '--create']);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(/no identity matches/);
    expect(wrong.stderr).not.toContain(other.secret);

    const notThere = await pgbak(['verify', archive, '--identity', join(work, 'nope.key')]);
    expect(notThere.exitCode).toBe(2);
    expect(notThere.stderr).toMatch(/cannot read the identity file .*nope\.key \(ENOENT\)/);
    expect(await databaseExists(target)).toBe(false);
  });

  it('refuses an altered archive with exit 3 and restores nothing', async () => {
    const out = await makeTempDir('pgbak-age-out-');
    const file = await profile('enc-tamper', ['encryption:', `  ageRecipients: ["${key.recipient}"]`, 'zipCompressionLevel: 0', 'steps:', '  - kind: full', '    format: plain']);
    expect((await runProfile(file, out)).exitCode).toBe(0);
    const archive = await onlyArchive(out);
    const bytes = await readFile(archive);
    const header = bytes.indexOf('\n---');
    // A flipped byte in the first chunk (the dump's first bytes), well past the header and nonce.
    bytes[header + 80 + 16 + 200]! ^= 0x20;
    await writeFile(archive, bytes);
    const target = state.unusedName('age_tamper');
    const restored = await pgbak(['restore', archive, '--identity', key.file, '--target', target, '--create']);
    expect(restored.exitCode).toBe(3);
    expect(restored.stderr).toMatch(/not a valid age file: .*chunk does not authenticate|not a valid age file: chunk 0 does not authenticate/);
    expect(await databaseExists(target)).toBe(false);
    const verified = await pgbak(['verify', archive, '--identity', key.file]);
    expect(verified.exitCode).toBe(3);
  });

  it('encrypted and signed with pgbak keygen\'s keys: restore checks both the age key and the signature; another signing key is exit 3, nothing restored', async () => {
    const keys = join(await makeTempDir('pgbak-age-keys-'), 'keys');
    const made = await pgbak(['keygen', '--out', keys]);
    expect(made.exitCode).toBe(0);
    const otherKeys = join(await makeTempDir('pgbak-age-keys-'), 'keys');
    expect((await pgbak(['keygen', '--out', otherKeys])).exitCode).toBe(0);
    const recipient = (await readFile(join(keys, 'age.pub'), 'utf8')).trim();
    const out = await makeTempDir('pgbak-age-out-');
    const file = await profile('enc-signed', ['encryption:', `  ageRecipientsFile: ${join(keys, 'age.pub')}`, 'signing:', `  keyFile: ${join(keys, 'signing.key')}`, 'steps:', '  - kind: full']);
    const run = await runProfile(file, out);
    expect(run.exitCode).toBe(0);
    const archive = await onlyArchive(out);
    expect(made.stdout).toContain(recipient);

    // The signature is inside the encrypted zip: age -d and unzip show it.
    expect(ageDecryptToZip(archive, join(keys, 'age.key'), join(out, 'x.zip'))).toContain('manifest.json.sig');

    const target = state.unusedName('age_signed');
    const restored = await pgbak(['restore', archive, '--identity', join(keys, 'age.key'), '--verify-key', join(keys, 'signing.pub'), '--target', target, '--create', '--json']);
    expect(restored.exitCode).toBe(0);
    expect(restored.stderr).not.toMatch(/authenticity not checked/);
    expect(JSON.parse(restored.stdout)).toMatchObject({ authenticity: 'verified', signed: true });
    expect(await query(cluster, target, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: 3000 }]);

    const refusedTarget = state.unusedName('age_signed_refused');
    const refused = await pgbak(['restore', archive, '--identity', join(keys, 'age.key'), '--verify-key', join(otherKeys, 'signing.pub'), '--target', refusedTarget, '--create']);
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toMatch(/signature refused/);
    expect(await databaseExists(refusedTarget)).toBe(false);
  });

  it('run --verify reads the encrypted archive back without an identity (the file key of the run)', async () => {
    const out = await makeTempDir('pgbak-age-out-');
    const file = await profile('enc-verify', ['encryption:', `  ageRecipients: ["${key.recipient}"]`, 'steps:', '  - kind: full']);
    const run = await runProfile(file, out, ['--verify']);
    // An unsigned profile: the read-back says "authenticity not checked", and nothing else is amiss.
    expect(withoutAuthenticityWarning(run.stderr)).not.toMatch(/error|warn/i);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/"verify":\{"ok":true/);
  });

  it('a passphrase from a file: age-compatible scrypt, and the passphrase appears nowhere', async () => {
    const out = await makeTempDir('pgbak-age-out-');
    const passFile = join(work, 'pass.txt');
    await writeFile(passFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    const file = await profile('enc-pass', ['encryption:', `  passphraseFile: ${passFile}`, 'steps:', '  - kind: full']);
    const run = await runProfile(file, out, ['--verbose']);
    expect(run.exitCode).toBe(0);
    const archive = await onlyArchive(out);
    expect((await readFile(archive)).toString('latin1', 0, 40)).toMatch(/^age-encryption\.org\/v1\n-> scrypt /);
    const log = await readFile(archive.replace(/\.zip\.age$/, '.log'), 'utf8');
    for (const text of [run.stdout, run.stderr, log]) expect(text).not.toContain(PASSPHRASE);
    expect(log).toContain(`passphrase (scrypt) from the file ${passFile}`);

    const plan = await pgbak(['plan', file, '-o', out], pgEnv(cluster, source.name));
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toMatch(/encrypt\s+age, to a passphrase/);
    expect(plan.stdout).not.toContain(PASSPHRASE);

    // Decrypted with the passphrase from the environment: the zip holds no secret either.
    const target = state.unusedName('age_pass');
    const restored = await pgbak(['restore', archive, '--target', target, '--create', '--json'], { PGBAK_AGE_PASSPHRASE: PASSPHRASE });
    expect(restored.exitCode).toBe(0);
    expect(restored.stdout + restored.stderr).not.toContain(PASSPHRASE);
    const zipFile = join(out, 'p.zip');
    const { AgeDecryptingSource } = await import('../../../lib/crypto/age/index.js');
    const { LocalFileSource } = await import('../../../lib/storage/index.js');
    const decrypted = await AgeDecryptingSource.open(await LocalFileSource.open(archive), [{ kind: 'scrypt', passphrase: Buffer.from(PASSPHRASE) }]);
    const chunks: Buffer[] = [];
    for await (const chunk of decrypted.readStream(0, decrypted.size)) chunks.push(chunk as Buffer);
    await decrypted.close();
    await writeFile(zipFile, Buffer.concat(chunks));
    const reader = await openZip(zipFile);
    try {
      for (const entry of reader.entries()) {
        if (entry.uncompressedSize < 16 * 1024 * 1024) expect(await reader.readText(entry.name)).not.toContain(PASSPHRASE);
      }
    } finally {
      reader.close();
    }

    const wrong = await pgbak(['restore', archive, '--list'], { PGBAK_AGE_PASSPHRASE: 'not it' });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(/passphrase is not the one/);
  });

  it('refuses a malformed recipient at load with exit 2 naming the profile and the field', async () => {
    const out = await makeTempDir('pgbak-age-out-');
    const file = await profile('enc-bad', ['encryption:', `  ageRecipients: ["${key.recipient}", "age1notarecipient"]`, 'steps:', '  - kind: full']);
    const run = await runProfile(file, out);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('enc-bad.yaml');
    expect(run.stderr).toMatch(/encryption\.ageRecipients\.1|encryption\.ageRecipients\[1\]/);
    const secretAsRecipient = await profile('enc-secret', ['encryption:', `  ageRecipients: ["${key.secret}"]`, 'steps:', '  - kind: full']);
    const refused = await runProfile(secretAsRecipient, out);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/a secret key/);
    expect(refused.stderr).not.toContain(key.secret);
  });

  it('to a bucket: the object is <name>.zip.age; age -d opens it; restore --list reads only part of it', async () => {
    const out = await makeTempDir('pgbak-age-out-');
    await query(cluster, source.name, "CREATE TABLE IF NOT EXISTS big (id int PRIMARY KEY, pad text); INSERT INTO big SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) FROM generate_series(1, 100000) g ON CONFLICT DO NOTHING");
    const file = await profile('enc-s3', ['encryption:', `  ageRecipients: ["${key.recipient}", "${other.recipient}"]`, 'storage:', `  - s3: { bucket: ${BUCKET}, prefix: "pg/" }`, 'steps:', '  - kind: full']);
    const run = await runProfile(file, out, [], s3Env(s3.endpoint));
    expect(run.stderr).not.toMatch(/error|warn/i);
    expect(run.exitCode).toBe(0);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'pg/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
    const object = keys.find((k) => k.endsWith('.zip.age'))!;
    expect(object).toMatch(/^pg\/enc-s3-.*\.zip\.age$/);
    expect(keys.filter((k) => k.endsWith('.zip'))).toEqual([]);
    const body = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: object }))).Body!.transformToByteArray());
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const local = join(out, 'dl.zip.age');
    await writeFile(local, body);
    // Either recipient opens it with the stock tools.
    expect(ageDecryptToZip(local, other.file, join(out, 'dl.zip'))).toContain('manifest.json');

    const before = proxy.log.length;
    const remote = await pgbak(['restore', `s3://${BUCKET}/${object}`, '--list', '--identity', key.file], s3Env());
    expect(remote.stderr).toBe('');
    expect(remote.exitCode).toBe(0);
    expect(remote.stdout).toMatch(/TABLE DATA public big/);
    const requests = proxy.log.slice(before);
    for (const r of requests.slice(1)) expect(r.range).toMatch(/^bytes=\d+-\d+$/);
    const fetched = requests.reduce((sum, r) => sum + r.bytes, 0);
    expect(fetched).toBeLessThan(body.length / 4);

    const target = state.unusedName('age_s3');
    const restored = await pgbak(['restore', `s3://${BUCKET}/${object}`, '--target', target, '--create'], { ...s3Env(), PGBAK_AGE_IDENTITY_FILE: key.file });
    expect(restored.exitCode).toBe(0);
    expect(await query(cluster, target, 'SELECT count(*)::int AS n FROM big')).toEqual([{ n: 100000 }]);
  });

  it('list, status and prune see encrypted backups through <archive>.meta.json, without an identity, in a folder and a bucket', async () => {
    const out = await makeTempDir('pgbak-age-out-');
    const prefix = `ret${Date.now()}/`;
    const file = await profile('enc-ret', ['encryption:', `  ageRecipients: ["${key.recipient}"]`, 'storage:', `  - local: { dir: ${out} }`, `  - s3: { bucket: ${BUCKET}, prefix: "${prefix}" }`, 'steps:', '  - kind: full']);
    for (let i = 0; i < 2; i++) {
      const run = await runProfile(file, out, [], s3Env(s3.endpoint));
      expect(run.exitCode).toBe(0);
      // Distinct second-resolution names: the second run starts a second later.
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    const files = (await readdir(out)).sort();
    const archives = files.filter((f) => f.endsWith('.zip.age'));
    expect(archives).toHaveLength(2);
    for (const archive of archives) expect(files).toContain(`${archive}.meta.json`);
    const meta = JSON.parse(await readFile(join(out, `${archives[0]}.meta.json`), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ kind: 'pgbak-backup-meta', encrypted: 'age', archive: archives[0], bytes: (await readFile(join(out, archives[0]!))).length, databases: [source.name] });
    expect(JSON.stringify(meta)).not.toContain(key.secret);
    // An encrypted archive without its record is no backup: left alone and reported.
    await writeFile(join(out, 'enc-ret-x-20200101T000000Z.zip.age'), 'age-encryption.org/v1\n');

    for (const where of [out, `s3://${BUCKET}/${prefix}`]) {
      const env = where.startsWith('s3://') ? s3Env(s3.endpoint) : {};
      const listed = await pgbak(['list', '-o', where, '--json'], env);
      expect(listed.exitCode).toBe(0);
      const listing = JSON.parse(listed.stdout) as { backups: Array<{ file: string }>; ignored?: Array<{ file: string; reason: string }> };
      expect(listing.backups.map((b) => b.file).sort()).toEqual(archives);
      const status = await pgbak(['status', '-o', where], env);
      expect(status.stdout).toMatch(new RegExp(`enc-ret\\s+${source.name}\\s+2\\s`));

      const pruned = await pgbak(['prune', '-o', where, '--keep-last', '1'], env);
      expect(pruned.exitCode).toBe(0);
    }
    const left = await readdir(out);
    expect(left).toContain(archives[1]);
    expect(left).toContain(`${archives[1]}.meta.json`);
    expect(left).not.toContain(archives[0]);
    expect(left).not.toContain(`${archives[0]}.meta.json`);
    expect(left).toContain('enc-ret-x-20200101T000000Z.zip.age');
    const keys = ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort();
    // The kept backup's run log stays beside it (the pruned one's went with its archive).
    expect(keys).toEqual([archives[1], `${archives[1]}.meta.json`, `${archives[1]}.sha256`, archives[1]!.replace(/\.zip\.age$/, '.log')].sort());
  });

  it('a pg_dump killed during an encrypted run leaves no .zip.age, no .partial, no record and no object but its failure log', async () => {
    const out = await makeTempDir('pgbak-age-out-');
    const prefix = `killed${Date.now()}/`;
    const file = await profile('enc-killed', ['encryption:', `  ageRecipients: ["${key.recipient}"]`, 'engine: pg_dump', 'storage:', `  - local: { dir: ${out} }`, `  - s3: { bucket: ${BUCKET}, prefix: "${prefix}" }`, 'steps:', '  - kind: schema-only']);
    const run = await runProfile(file, out, [], { ...s3Env(s3.endpoint), PGBAK_PG_BIN: fakePgBin, FAKE_PG_DUMP_MODE: 'die' });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/pg_dump/);
    const left = await readdir(out);
    expect(left.filter((f) => f.includes('.zip') || f.endsWith('.meta.json'))).toEqual([]);
    // Only the failed run's log, which says why (status over the bucket reads it): no archive, no sidecar.
    const keys = ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!.slice(prefix.length));
    expect(keys).toEqual([expect.stringMatching(/^enc-killed-.*\.log$/)]);
  });

  it('compare reads the schema model of an encrypted backup with --identity', async () => {
    const out = await makeTempDir('pgbak-age-out-');
    const file = await profile('enc-compare', ['encryption:', `  ageRecipients: ["${key.recipient}"]`, 'steps:', '  - kind: full']);
    expect((await runProfile(file, out)).exitCode).toBe(0);
    const archive = await onlyArchive(out);
    const same = await pgbak(['compare', '--source', archive, '--identity', key.file, '--target', connectionUrl(cluster, source.name)]);
    expect(same.stderr).not.toMatch(/error/i);
    expect(same.exitCode).toBe(0);
    const missing = await pgbak(['compare', '--source', archive, '--target', connectionUrl(cluster, source.name)]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/an identity is needed/);
  });

  it('verify with an identity refuses a .meta.json that disagrees with the manifest inside (exit 3)', async () => {
    const out = await makeTempDir('pgbak-age-out-');
    const file = await profile('enc-meta', ['encryption:', `  ageRecipients: ["${key.recipient}"]`, 'steps:', '  - kind: full']);
    expect((await runProfile(file, out)).exitCode).toBe(0);
    const archive = await onlyArchive(out);
    const metaFile = `${archive}.meta.json`;
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as { startedAt: string };
    // Made to look newer than it is: retention would keep the wrong backup.
    await writeFile(metaFile, JSON.stringify({ ...meta, startedAt: '2099-01-01T00:00:00.000Z' }));
    const verified = await pgbak(['verify', archive, '--identity', key.file]);
    expect(verified.exitCode).toBe(3);
    expect(verified.stderr).toMatch(/meta\.json does not describe the archive beside it: startedAt differ/);
  });

  it('restore --jobs 2 of an encrypted custom dump restores and leaves nothing in PGBAK_TMPDIR', async () => {
    const out = await makeTempDir('pgbak-age-out-');
    const tmp = await makeTempDir('pgbak-age-tmp-');
    const file = await profile('enc-jobs', ['encryption:', `  ageRecipients: ["${key.recipient}"]`, 'engine: pg_dump', 'steps:', '  - kind: full', '    format: custom']);
    expect((await runProfile(file, out)).exitCode).toBe(0);
    const archive = await onlyArchive(out);
    const target = state.unusedName('age_jobs');
    const restored = await pgbak(['restore', archive, '--identity', key.file, '--target', target, '--create', '--jobs', '2'], { PGBAK_TMPDIR: tmp });
    expect(restored.stderr).not.toMatch(/error/i);
    expect(restored.exitCode).toBe(0);
    expect(await query(cluster, target, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: 3000 }]);
    expect(await readdir(tmp)).toEqual([]);
  });
});
