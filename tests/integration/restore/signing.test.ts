// Signed archives (#11): a profile with `signing.keyFile` stores a detached Ed25519 signature of
// the manifest's exact bytes in `manifest.json.sig`; restore, verify and list with --verify-key
// refuse (exit 3, nothing created or touched) an archive whose signature is missing, malformed,
// another key's or does not match — in particular a crafted archive whose entry sha256 was
// recomputed into the manifest, which the sha256 checks alone accept.
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { MANIFEST_ENTRY, ZipWriter, openZip } from '../../../lib/archive/index.js';
import { signingKeyId } from '../../../lib/crypto/signing/index.js';
import { LocalFileSink } from '../../../lib/storage/index.js';
import { hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { makeTempDir, removeTempDirs, type Backup } from '../../support/restore-helpers.js';
import { SEEDED_SNAPSHOT, snapshotDatabase } from '../../support/seed.js';
import { errorReport } from '../failures/helpers.js';
import { cluster, databaseExists, leftScratchDatabases, pgbak, tableCount, testState } from './helpers.js';
import { dropCopyRows, rewriteEntry } from './tamper.js';

jest.setTimeout(180_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const state = testState();
let keys: string;
let profiles: string;
let keyId: string;
let otherKeyId: string;
let privatePem: string;
let source: TestDatabase;
let signed: Backup;
let signedPlain: Backup;
let signedNative: Backup;
let unsigned: Backup;

function pems() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    pub: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    id: signingKeyId(publicKey),
  };
}

beforeAll(async () => {
  keys = await makeTempDir('pgbak-keys-');
  const mine = pems();
  const other = pems();
  privatePem = mine.key;
  keyId = mine.id;
  otherKeyId = other.id;
  await writeFile(join(keys, 'signing.key'), mine.key, { mode: 0o600 });
  await writeFile(join(keys, 'signing.pub'), mine.pub);
  await writeFile(join(keys, 'other.pub'), other.pub);
  await writeFile(join(keys, 'rotation.pub'), `${other.pub}${mine.pub}`);
  profiles = await makeTempDir('pgbak-signed-profiles-');
  await writeFile(join(profiles, 'signed.yaml'), `signing: { keyFile: ${join(keys, 'signing.key')} }\nsteps:\n  - kind: full\n    blobs: true\n`);
  source = await state.seeded('sg_source');
  [signed, signedPlain, signedNative, unsigned] = await Promise.all([
    backup(['signed']),
    backup(['signed', '--format', 'plain']),
    backup(['signed', '--engine', 'native']),
    state.backup(source, ['full']),
  ]);
});

afterAll(async () => {
  await state.cleanUp();
  await removeTempDirs();
});

function backup(args: string[]): Promise<Backup> {
  return state.backup(source, [...args, '--profiles-dir', profiles]);
}

const key = (name = 'signing.pub') => ['--verify-key', join(keys, name)];

/** The archive with its manifest replaced by `edit(text)`, every other entry (the signature too) copied as is. */
async function withManifest(archive: string, edit: (text: string) => string): Promise<string> {
  const reader = await openZip(archive);
  const out = join(await makeTempDir('pgbak-tamper-'), 'manifest-edited.zip');
  const zip = await ZipWriter.create(await LocalFileSink.open(out));
  try {
    for (const entry of reader.entries()) {
      if (entry.name === MANIFEST_ENTRY) await zip.addBuffer(MANIFEST_ENTRY, Buffer.from(edit(await reader.readText(MANIFEST_ENTRY)), 'utf8'), { compress: true });
      else await zip.addStream(entry.name, await reader.openStream(entry.name), { compress: entry.compressed });
    }
    await zip.finish();
    return out;
  } finally {
    reader.close();
  }
}

/** The archive with `manifest.json.sig` replaced by `bytes` (or left out with null). */
async function withSignature(archive: string, bytes: Buffer | null): Promise<string> {
  const reader = await openZip(archive);
  const out = join(await makeTempDir('pgbak-tamper-'), 'signature-edited.zip');
  const zip = await ZipWriter.create(await LocalFileSink.open(out));
  try {
    for (const entry of reader.entries()) {
      if (entry.name === 'manifest.json.sig') {
        if (bytes !== null) await zip.addBuffer(entry.name, bytes, { compress: false });
      } else {
        await zip.addStream(entry.name, await reader.openStream(entry.name), { compress: entry.compressed });
      }
    }
    await zip.finish();
    return out;
  } finally {
    reader.close();
  }
}

/** The crafted archive of the issue: a table's rows changed, the entry's sha256 recomputed into the manifest, rezipped. */
function crafted(): Promise<string> {
  return rewriteEntry(signedPlain.archive, `full/${source.name}.sql`, (sql) => dropCopyRows(sql, 'public."Order Items; DROP"', 5), true);
}

describeWithTools('a signed run', () => {
  it.each([
    ['pg_dump', () => signed],
    ['the native engine', () => signedNative],
  ])('via %s stores manifest.json.sig right after the manifest, over its exact bytes, and names the key in the manifest', async (_engine, made) => {
    const backup = made();
    const names = backup.reader.entries().map((entry) => entry.name);
    expect(names.indexOf('manifest.json.sig')).toBe(names.indexOf('manifest.json') + 1);
    expect(backup.manifest.signing).toEqual({ algorithm: 'ed25519', keyId, entry: 'manifest.json.sig' });
    const file = JSON.parse(await backup.reader.readText('manifest.json.sig')) as Record<string, string>;
    expect(file).toEqual({ format: 1, algorithm: 'ed25519', keyId, signed: 'manifest.json', signature: expect.any(String) });
    const manifestBytes = await backup.reader.readBytes('manifest.json');
    const publicKey = createPublicKey(await readFile(join(keys, 'signing.pub'), 'utf8'));
    expect(verify(null, manifestBytes, publicKey, Buffer.from(file.signature!, 'base64'))).toBe(true);
    expect(unsigned.reader.has('manifest.json.sig')).toBe(false);
    expect(unsigned.manifest.signing).toBeUndefined();
  });

  it('never shows the private key: not in the run log, stderr, --json, nor any zip entry (run with --debug)', async () => {
    const dir = await makeTempDir('pgbak-leak-');
    const result = await pgbak(['run', 'signed', '--profiles-dir', profiles, '--output-dir', dir, '--json', '--debug'], pgEnv(cluster, source.name));
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop()!) as { archive: string; log: string };
    const raw = Buffer.from(createPrivateKey(privatePem).export({ format: 'jwk' }).d!, 'base64url');
    expect(raw.length).toBe(32);
    const body = privatePem.split('\n').slice(1, -2).join('');
    const pkcs8 = Buffer.from(body, 'base64');
    const textForms = [body, raw.toString('hex'), raw.toString('base64'), raw.toString('base64url'), privatePem.split('\n')[1]!];
    const texts = [result.stdout, result.stderr, await readFile(summary.log, 'utf8')];
    expect(texts[1]).toContain(keyId);
    const reader = await openZip(summary.archive);
    try {
      for (const entry of reader.entries()) {
        const chunks: Buffer[] = [];
        for await (const chunk of await reader.openStream(entry.name)) chunks.push(chunk as Buffer);
        const bytes = Buffer.concat(chunks);
        expect([entry.name, bytes.includes(raw), bytes.includes(pkcs8)]).toEqual([entry.name, false, false]);
        texts.push(bytes.toString('latin1'));
      }
    } finally {
      reader.close();
    }
    for (const text of texts) for (const form of textForms) expect(text.includes(form)).toBe(false);
  });

  it('plan shows that signing is on with the key id and file, never the key', async () => {
    const result = await pgbak(['plan', 'signed', '--profiles-dir', profiles], pgEnv(cluster, source.name));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`signing   ed25519, key ${keyId} (${join(keys, 'signing.key')})`);
    expect(result.stdout).not.toContain(privatePem.split('\n')[1]!);
    const json = await pgbak(['plan', 'signed', '--profiles-dir', profiles, '--json'], pgEnv(cluster, source.name));
    expect(JSON.parse(json.stdout).signing).toEqual({ algorithm: 'ed25519', keyId, keyFile: join(keys, 'signing.key') });
  });

  it('refuses to start with a key file readable by others: exit 2 naming the profile, no archive written', async () => {
    const loose = join(keys, 'loose.key');
    await writeFile(loose, privatePem, { mode: 0o600 });
    await chmod(loose, 0o644);
    await writeFile(join(profiles, 'loose.yaml'), `signing: { keyFile: ${loose} }\nsteps: [{ kind: full }]\n`);
    const dir = await makeTempDir('pgbak-loose-');
    const result = await pgbak(['run', 'loose', '--profiles-dir', profiles, '--output-dir', dir], pgEnv(cluster, source.name));
    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr);
    expect(report.message).toBe(`profile ${join(profiles, 'loose.yaml')}: signing.keyFile: ${loose} can be read or written by group or others (mode 0644)`);
    expect(report.hint).toContain(`chmod 600 ${loose}`);
    expect(result.stderr).not.toContain(privatePem.split('\n')[1]!);
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(dir)).filter((name) => name.endsWith('.zip'))).toEqual([]);
  });
});

describeWithTools('pgbak restore --verify-key', () => {
  it('restores a signed archive with the right key, saying the signature was verified', async () => {
    const target = state.unusedName('sg_ok');
    const result = await pgbak(['restore', signed.archive, '--target', target, '--create', '--json', ...key()]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, authenticity: 'verified', signed: true, signedBy: keyId });
    expect(result.stderr).not.toMatch(/authenticity not checked/);
    expect(await snapshotDatabase(cluster, target)).toEqual(SEEDED_SNAPSHOT);
  });

  it('restores the native engine\'s signed plain SQL with the right key', async () => {
    const target = state.unusedName('sg_native');
    const result = await pgbak(['restore', signedNative.archive, '--target', target, '--create', '--json', ...key()]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ authenticity: 'verified', signedBy: keyId });
    expect(await snapshotDatabase(cluster, target)).toEqual(SEEDED_SNAPSHOT);
  });

  it('accepts any of several keys: a file holding two (rotation), the flag repeated, PGBAK_VERIFY_KEY_FILE', async () => {
    const runs = [
      await pgbak(['restore', signed.archive, '--dry-run', '--json', ...key('rotation.pub')]),
      await pgbak(['restore', signed.archive, '--dry-run', '--json', ...key('other.pub'), ...key('signing.pub')]),
      await pgbak(['restore', signed.archive, '--dry-run', '--json'], { PGBAK_VERIFY_KEY_FILE: join(keys, 'rotation.pub') }),
    ];
    for (const result of runs) {
      expect(result.exitCode).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ authenticity: 'verified', signedBy: keyId });
    }
  });

  it('without a key, restores and warns "authenticity not checked" (signed and unsigned archives)', async () => {
    const signedRun = await pgbak(['restore', signed.archive, '--dry-run', '--json']);
    const unsignedRun = await pgbak(['restore', unsigned.archive, '--dry-run', '--json']);
    expect(signedRun.exitCode).toBe(0);
    expect(JSON.parse(signedRun.stdout)).toMatchObject({ authenticity: 'not checked', signed: true, signedBy: keyId });
    expect(signedRun.stderr).toContain(`authenticity not checked: the archive is signed by key ${keyId}, but no --verify-key was given`);
    expect(unsignedRun.exitCode).toBe(0);
    expect(JSON.parse(unsignedRun.stdout)).toMatchObject({ authenticity: 'not checked', signed: false, signedBy: null });
    expect(unsignedRun.stderr).toContain('authenticity not checked: the archive is not signed');
  });

  const refusals: Array<[string, () => Promise<string>, string, RegExp]> = [
    ['made by another key', async () => signed.archive, 'other.pub', /signature refused: it is signed by key sha256:[0-9a-f]{64}, not by the key given \(sha256:/],
    ['not signed', async () => unsigned.archive, 'signing.pub', /signature refused: it is not signed \(no manifest\.json\.sig\)/],
    ['whose signature entry was removed', () => withSignature(signed.archive, null), 'signing.pub', /it is not signed/],
    ['whose signature entry is malformed (truncated base64)', async () => {
      const file = JSON.parse(await signed.reader.readText('manifest.json.sig')) as Record<string, string>;
      return withSignature(signed.archive, Buffer.from(JSON.stringify({ ...file, signature: file.signature!.slice(0, 40) })));
    }, 'signing.pub', /its manifest\.json\.sig is malformed: signature is not 64 bytes in base64/],
    ['whose manifest was edited after signing', () => withManifest(signed.archive, (text) => text.replace('"status": "complete"', '"status":  "complete"')), 'signing.pub', /its signature does not match manifest\.json/],
    ['crafted: table data changed and the sha256 recomputed into the manifest', crafted, 'signing.pub', /its signature does not match manifest\.json/],
  ];

  it.each(refusals)('refuses an archive %s with exit 3; nothing is created or touched', async (_what, make, keyName, message) => {
    const archive = await make();
    const flags = key(keyName);
    const empty = await state.fresh('sg_untouched');
    const created = state.unusedName('sg_create');

    const intoEmpty = await pgbak(['restore', archive, '--target', empty.name, ...flags]);
    const withCreate = await pgbak(['restore', archive, '--target', created, '--create', '--json', ...flags]);

    expect(intoEmpty.exitCode).toBe(3);
    const report = errorReport(intoEmpty.stderr);
    expect(report.message).toMatch(message);
    expect(report.hint).toContain('nothing was restored');
    expect(withCreate.exitCode).toBe(3);
    expect(JSON.parse(withCreate.stdout)).toMatchObject({ ok: false, exitCode: 3, error: { code: 'SIGNATURE_INVALID' } });
    expect(await tableCount(empty.name)).toBe(0);
    expect(await databaseExists(created)).toBe(false);
  });

  it('accepts the crafted archive without a key (the sha256 checks pass), warning that authenticity was not checked', async () => {
    const archive = await crafted();
    const target = state.unusedName('sg_crafted');
    const result = await pgbak(['restore', archive, '--target', target, '--create']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('authenticity not checked');
    const rows = await query<{ n: string }>(cluster, target, 'SELECT count(*) AS n FROM public."Order Items; DROP"');
    expect(Number(rows[0]!.n)).toBe(195);
  });

  it('refuses a verify key file that holds the private key (exit 2), before reading the archive', async () => {
    const result = await pgbak(['restore', signed.archive, '--dry-run', '--verify-key', join(keys, 'signing.key')]);
    expect(result.exitCode).toBe(2);
    expect(errorReport(result.stderr).message).toBe(`--verify-key ${join(keys, 'signing.key')}: holds a private key`);
    expect(result.stderr).not.toContain(privatePem.split('\n')[1]!);
  });
});

describeWithTools('pgbak restore --list shows the signature', () => {
  it('signed and checked, signed and not checked, not signed; another key is refused with exit 3', async () => {
    const checked = await pgbak(['restore', signed.archive, '--list', ...key()]);
    const notChecked = await pgbak(['restore', signed.archive, '--list', '--json']);
    const notSigned = await pgbak(['restore', unsigned.archive, '--list']);
    const refused = await pgbak(['restore', signed.archive, '--list', ...key('other.pub')]);
    expect(checked.exitCode).toBe(0);
    expect(checked.stdout).toContain(`signature signed by key ${keyId}: verified`);
    expect(JSON.parse(notChecked.stdout)).toMatchObject({ authenticity: 'not checked', signed: true, signedBy: keyId });
    expect(notSigned.stdout).toContain('signature not signed: authenticity not checked');
    expect(refused.exitCode).toBe(3);
  });
});

describeWithTools('pgbak verify --verify-key', () => {
  async function record(archive: string) {
    return JSON.parse(await readFile(`${archive}.verified.json`, 'utf8')) as Record<string, unknown>;
  }
  async function copyOf(archive: string): Promise<string> {
    const file = join(await makeTempDir('pgbak-sg-verify-'), 'copy.zip');
    await writeFile(file, await readFile(archive));
    return file;
  }

  it('verifies a signed archive and records the signature as verified', async () => {
    const archive = await copyOf(signedNative.archive);
    const result = await pgbak(['verify', archive, '--json', ...key()], pgEnv(cluster, source.name));
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, authenticity: 'verified', signedBy: keyId });
    expect(await record(archive)).toMatchObject({ outcome: 'verified', authenticity: 'verified', signedBy: keyId });
  });

  it('without a key, warns and records "not checked"', async () => {
    const archive = await copyOf(signed.archive);
    const result = await pgbak(['verify', archive], pgEnv(cluster, source.name));
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('authenticity not checked');
    expect(result.stdout).toContain('signature: authenticity not checked');
    expect(await record(archive)).toMatchObject({ outcome: 'verified', authenticity: 'not checked', signedBy: keyId });
  });

  it('refuses the crafted archive with exit 3 before restoring anything, recorded as failed', async () => {
    const archive = await crafted();
    const result = await pgbak(['verify', archive, ...key()], pgEnv(cluster, source.name));
    expect(result.exitCode).toBe(3);
    expect(errorReport(result.stderr).message).toMatch(/signature refused: its signature does not match manifest\.json/);
    expect(await record(archive)).toMatchObject({ ok: false, outcome: 'failed', authenticity: 'refused', server: null });
    expect(await leftScratchDatabases()).toEqual([]);
  });

  it('refuses an archive signed by another key with exit 3, recorded as not verified', async () => {
    const archive = await copyOf(signed.archive);
    const result = await pgbak(['verify', archive, ...key('other.pub')], pgEnv(cluster, source.name));
    expect(result.exitCode).toBe(3);
    expect(errorReport(result.stderr).message).toMatch(/^not verified: .*signature refused: it is signed by key sha256:[0-9a-f]{64}, not by the key given \(sha256:/);
    expect(await record(archive)).toMatchObject({ ok: false, outcome: 'not verified', authenticity: 'refused', signedBy: keyId });
    expect(await leftScratchDatabases()).toEqual([]);
  });

  it('keeps an earlier verdict when a later verify is given another key (a rotated key is no verdict on the backup)', async () => {
    const archive = await copyOf(signed.archive);
    expect((await pgbak(['verify', archive, ...key()], pgEnv(cluster, source.name))).exitCode).toBe(0);
    const result = await pgbak(['verify', archive, ...key('other.pub')], pgEnv(cluster, source.name));
    expect(result.exitCode).toBe(3);
    expect(errorReport(result.stderr).hint).toMatch(/the verdict of .* \(verified\) stays in/);
    expect(await record(archive)).toMatchObject({ ok: true, outcome: 'verified', authenticity: 'verified', signedBy: keyId });
    expect(otherKeyId).not.toBe(keyId);
  });
});
