// A profile's `encryption:`: checked once at load, every problem named with its field,
// keys and passphrases never echoed.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encryptionSchema, resolveEncryption } from '../../../lib/config/encryption.js';
import { generateX25519 } from '../../../lib/crypto/age/index.js';
import { useTempDir } from '../archive/support.js';

const tempDir = useTempDir();
const a = generateX25519();
const b = generateX25519();

function issues(value: unknown): string[] {
  const parsed = encryptionSchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('profile encryption:', () => {
  it('accepts recipients, a recipients file, a passphrase file or a passphrase variable', () => {
    expect(issues({ ageRecipients: [a.recipient] })).toEqual([]);
    expect(issues({ ageRecipients: [a.recipient], ageRecipientsFile: 'age.pub' })).toEqual([]);
    expect(issues({ passphraseFile: 'pass' })).toEqual([]);
    expect(issues({ passphraseEnv: true })).toEqual([]);
    expect(issues({ passphraseEnv: 'MY_PASS' })).toEqual([]);
  });

  it('names each malformed recipient by its index, and never echoes a secret key given as one', () => {
    const found = issues({ ageRecipients: [a.recipient, 'age1xyz', a.identity] });
    expect(found).toEqual([expect.stringMatching(/^ageRecipients\.1: not a valid age1… recipient/), expect.stringMatching(/^ageRecipients\.2: a secret key/)]);
    expect(found.join('\n')).not.toContain(a.identity);
  });

  it('refuses a passphrase with recipients, two passphrases, nothing at all, and unknown fields', () => {
    expect(issues({ ageRecipients: [a.recipient], passphraseFile: 'p' })).toEqual([expect.stringContaining('cannot be combined with recipients')]);
    expect(issues({ passphraseFile: 'p', passphraseEnv: true })).toEqual([expect.stringContaining('give the passphrase once')]);
    expect(issues({})).toEqual([expect.stringContaining('say what to encrypt to')]);
    expect(issues({ ageRecipients: [a.recipient], recipients: [] })).toHaveLength(1);
  });

  it('reads a recipients file relative to the profile, with comments, merged with the list and deduplicated', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'age.pub'), `# team keys\n${a.recipient}\n\n${b.recipient}\n`);
    const resolved = await resolveEncryption({ ageRecipients: [a.recipient], ageRecipientsFile: 'age.pub' }, { env: {}, profileDir: dir, where: 'p.yaml' });
    expect(resolved).toEqual({ kind: 'age-recipients', recipients: [a.recipient, b.recipient] });
  });

  it('names the line of a bad recipients file, and a missing file, as PROFILE_INVALID (exit 2)', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'age.pub'), `${a.recipient}\n${a.identity}\n`);
    const bad = await resolveEncryption({ ageRecipientsFile: 'age.pub' }, { env: {}, profileDir: dir, where: 'p.yaml' }).catch((e: unknown) => e as Error);
    expect(bad).toMatchObject({ code: 'PROFILE_INVALID', exitCode: 2, message: expect.stringMatching(/p\.yaml: encryption\.ageRecipientsFile .*age\.pub, line 2: a secret key/) });
    expect((bad as Error).message).not.toContain(a.identity);
    await expect(resolveEncryption({ ageRecipientsFile: 'nope.pub' }, { env: {}, profileDir: dir, where: 'p.yaml' })).rejects.toMatchObject({ message: expect.stringContaining('(ENOENT)') });
  });

  it('reads a passphrase from a file (one trailing newline dropped) or a variable, as a Secret that prints as ***', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'pass'), 'correct horse\n');
    const fromFile = await resolveEncryption({ passphraseFile: 'pass' }, { env: {}, profileDir: dir, where: 'p.yaml' });
    expect(fromFile?.kind === 'age-passphrase' && fromFile.passphrase.reveal()).toBe('correct horse');
    expect(JSON.stringify(fromFile)).not.toContain('correct horse');
    const fromEnv = await resolveEncryption({ passphraseEnv: true }, { env: { PGBAK_AGE_PASSPHRASE: 'battery staple' }, profileDir: dir, where: 'p.yaml' });
    expect(fromEnv).toMatchObject({ kind: 'age-passphrase', source: 'environment PGBAK_AGE_PASSPHRASE' });
    await expect(resolveEncryption({ passphraseEnv: 'UNSET_VAR' }, { env: {}, profileDir: dir, where: 'p.yaml' })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('UNSET_VAR is not set') });
    await writeFile(join(dir, 'empty'), '\n');
    await expect(resolveEncryption({ passphraseFile: 'empty' }, { env: {}, profileDir: dir, where: 'p.yaml' })).rejects.toMatchObject({ message: expect.stringContaining('is empty') });
  });
});
