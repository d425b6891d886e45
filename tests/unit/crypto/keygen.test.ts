// pgbak keygen: keys the stock tools accept, 0600 in a 0700 folder, never overwriting
// anything (a file or a symlink at any of the four names: exit 2, nothing written).
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeys, KEY_FILES } from '../../../lib/crypto/keygen.js';
import { parseIdentities } from '../../../lib/crypto/age/index.js';
import { runCli } from '../../support/cli.js';
import { hasAge, runAge } from '../../support/age-cli.js';
import { useTempDir } from '../archive/support.js';

const tempDir = useTempDir();
const itWithAge = hasAge ? it : it.skip;

describe('pgbak keygen', () => {
  it('writes age.key in age-keygen\'s format, age.pub, and an Ed25519 pair in PEM, all 0600 in a new 0700 folder', async () => {
    const dir = join(tempDir(), 'keys', 'nested');
    const keys = await generateKeys(dir, new Date('2026-12-05T01:02:03.456Z'));
    expect((await readdir(dir)).sort()).toEqual(['age.key', 'age.pub', 'signing.key', 'signing.pub']);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const name of Object.values(KEY_FILES)) expect((await stat(join(dir, name))).mode & 0o777).toBe(0o600);
    const ageKey = await readFile(join(dir, 'age.key'), 'utf8');
    expect(ageKey).toMatch(/^# created: 2026-12-05T01:02:03Z\n# public key: age1[a-z0-9]{58}\nAGE-SECRET-KEY-1[A-Z0-9]{58}\n$/);
    expect(ageKey).toContain(`# public key: ${keys.recipient}\n`);
    expect(await readFile(join(dir, 'age.pub'), 'utf8')).toBe(`${keys.recipient}\n`);
    expect(parseIdentities(ageKey).identities).toHaveLength(1);
    const privateKey = createPrivateKey(await readFile(join(dir, 'signing.key'), 'utf8'));
    const publicKey = createPublicKey(await readFile(join(dir, 'signing.pub'), 'utf8'));
    expect(privateKey.asymmetricKeyType).toBe('ed25519');
    expect(verify(null, Buffer.from('m'), publicKey, sign(null, Buffer.from('m'), privateKey))).toBe(true);
    expect(keys.signingKeyId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  itWithAge('writes an identity age -d accepts and whose recipient age-keygen -y derives', async () => {
    const dir = tempDir();
    const keys = await generateKeys(dir);
    expect((await runAge('age-keygen', ['-y', join(dir, 'age.key')])).stdout.toString().trim()).toBe(keys.recipient);
    const encrypted = await runAge('age', ['-e', '-R', join(dir, 'age.pub')], Buffer.from('secret data'));
    expect(encrypted.code).toBe(0);
    const decrypted = await runAge('age', ['-d', '-i', join(dir, 'age.key')], encrypted.stdout);
    expect(decrypted.stdout.toString()).toBe('secret data');
  });

  it.each(Object.values(KEY_FILES))('refuses a folder that already holds %s (exit 2) and writes nothing', async (name) => {
    const dir = tempDir();
    await writeFile(join(dir, name), 'old key\n');
    await expect(generateKeys(dir)).rejects.toMatchObject({ code: 'USAGE', exitCode: 2, message: expect.stringContaining(`already holds ${name}`) });
    expect(await readdir(dir)).toEqual([name]);
    expect(await readFile(join(dir, name), 'utf8')).toBe('old key\n');
  });

  it('never writes through a symlink planted at a key\'s name, even a dangling one', async () => {
    const dir = join(tempDir(), 'keys');
    const elsewhere = join(tempDir(), 'elsewhere');
    await mkdir(dir);
    await mkdir(elsewhere);
    await symlink(join(elsewhere, 'stolen.key'), join(dir, 'signing.key'));
    await expect(generateKeys(dir)).rejects.toMatchObject({ exitCode: 2 });
    expect(await readdir(elsewhere)).toEqual([]);
    expect(await readdir(dir)).toEqual(['signing.key']);
  });

  it('the CLI prints the recipient and the signing fingerprint, never a private key, and exits 2 the second time', async () => {
    const dir = join(tempDir(), 'k');
    const first = await runCli(['keygen', '--out', dir]);
    expect(first.exitCode).toBe(0);
    const ageKey = await readFile(join(dir, 'age.key'), 'utf8');
    const secret = /AGE-SECRET-KEY-1\S+/.exec(ageKey)![0];
    const pem = await readFile(join(dir, 'signing.key'), 'utf8');
    expect(first.stdout).toContain(/# public key: (age1\S+)/.exec(ageKey)![1]);
    expect(first.stdout).toMatch(/signing public key: sha256:/);
    const second = await runCli(['keygen', '--out', dir, '--json']);
    expect(second.exitCode).toBe(2);
    for (const output of [first.stdout, first.stderr, second.stdout, second.stderr]) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(pem.split('\n')[1]);
    }
  });
});
