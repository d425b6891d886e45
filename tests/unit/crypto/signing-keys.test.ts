import { chmod } from 'node:fs/promises';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { readSigningKey, readVerifyKeys, signingKeyId } from '../../../lib/crypto/signing/index.js';
import { createTempDir, rejection, type TempDir } from '../config/support.js';
import { ed25519Pems } from './support.js';

describe('signing and verify key files', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await createTempDir();
  });
  afterAll(async () => {
    await dir.remove();
  });

  async function keyFile(name: string, text: string, mode = 0o600): Promise<string> {
    const file = await dir.write(name, text);
    await chmod(file, mode);
    return file;
  }

  it('reads a 0600 PKCS#8 Ed25519 key and names it by the sha256 of its SPKI public key', async () => {
    const { privatePem, publicPem } = ed25519Pems();
    const key = await readSigningKey(await keyFile('ok.key', privatePem), 'profile p.yaml: signing.keyFile');
    const der = createPublicKey(publicPem).export({ type: 'spki', format: 'der' });
    expect(key.keyId).toBe(`sha256:${createHash('sha256').update(der).digest('hex')}`);
    expect(signingKeyId(createPublicKey(publicPem))).toBe(key.keyId);
  });

  it('never shows the private key: JSON, inspect and String give the file and key id only', async () => {
    const { privatePem } = ed25519Pems();
    const file = await keyFile('quiet.key', privatePem);
    const key = await readSigningKey(file, 'origin');
    const body = privatePem.split('\n')[1]!;
    for (const shown of [JSON.stringify({ key }), inspect(key), inspect({ nested: { key } }, { depth: 5 }), String(key)]) {
      expect(shown).not.toContain(body);
      expect(shown).toContain(key.keyId);
    }
    expect(JSON.parse(JSON.stringify(key))).toEqual({ keyFile: file, keyId: key.keyId });
  });

  it.each([
    ['readable by the group', 0o640, /can be read or written by group or others \(mode 0640\)/],
    ['readable by others', 0o604, /mode 0604/],
    ['writable by the group', 0o620, /mode 0620/],
  ])('refuses a key file %s with exit 2, naming the origin and the path', async (_what, mode, message) => {
    const file = await keyFile(`mode-${mode.toString(8)}.key`, ed25519Pems().privatePem, mode);
    const error = await rejection(() => readSigningKey(file, 'profile /etc/pgbak/nightly.yaml: signing.keyFile'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`profile /etc/pgbak/nightly.yaml: signing.keyFile: ${file}`);
    expect(error.hint).toContain(`chmod 600 ${file}`);
  });

  it('refuses a missing key file with exit 2', async () => {
    const error = await rejection(() => readSigningKey(`${dir.path}/nope.key`, 'profile x.yaml: signing.keyFile'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/nope\.key cannot be read: ENOENT/);
  });

  it('refuses what is not an Ed25519 private key, without echoing the file', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const encrypted = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
    const cases: Array<[string, string, RegExp]> = [
      ['pub.key', ed25519Pems().publicPem, /does not hold a PEM private key/],
      ['rsa.key', rsa, /holds a key of type rsa, not Ed25519/],
      ['junk.key', 'not a key at all\n', /does not hold a PEM private key/],
      ['enc.key', encrypted, /is encrypted with a passphrase/],
    ];
    for (const [name, text, message] of cases) {
      const file = await keyFile(name, text);
      const error = await rejection(() => readSigningKey(file, 'origin'));
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(message);
      const body = text.includes('-----BEGIN') ? text.split('\n')[1]! : text.trim();
      expect(`${error.message} ${error.hint} ${inspect(error, { depth: 5 })}`).not.toContain(body);
    }
  });

  it('reads several public keys from one file and from several files, once each', async () => {
    const a = ed25519Pems();
    const b = ed25519Pems();
    const both = await keyFile('both.pub', `# old key\n${a.publicPem}\n# new key\n${b.publicPem}`, 0o644);
    const onlyB = await keyFile('b.pub', b.publicPem, 0o644);
    const keys = await readVerifyKeys([both, onlyB], '--verify-key');
    expect(keys.map((k) => k.keyId)).toEqual([signingKeyId(createPublicKey(a.publicPem)), signingKeyId(createPublicKey(b.publicPem))]);
  });

  it('refuses a private key given as a verify key, and files without an Ed25519 public key (exit 2)', async () => {
    const rsaPub = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const cases: Array<[string, string, RegExp]> = [
      ['private.pub', ed25519Pems().privatePem, /holds a private key/],
      ['empty.pub', '', /holds no PEM public key/],
      ['rsa.pub', rsaPub, /public key 1 is of type rsa, not Ed25519/],
      ['broken.pub', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', /public key 1 does not read/],
    ];
    for (const [name, text, message] of cases) {
      const file = await keyFile(name, text, 0o644);
      const error = await rejection(() => readVerifyKeys([file], '--verify-key'));
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(new RegExp(`^--verify-key ${file}: `));
      expect(error.message).toMatch(message);
    }
    const missing = await rejection(() => readVerifyKeys([`${dir.path}/missing.pub`], 'PGBAK_VERIFY_KEY_FILE'));
    expect(missing.message).toMatch(/^PGBAK_VERIFY_KEY_FILE .*missing\.pub: cannot be read: ENOENT/);
  });
});
