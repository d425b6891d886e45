// pgbak's own age implementation against the stock `age` command, byte for byte: files
// pgbak encrypts open with `age -d`, files `age` encrypts open with pgbak, at the sizes where
// chunking goes wrong (empty, one byte, around 64 KiB, several chunks, megabytes).
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AgeDecryptingSource,
  parseIdentities,
  parseRecipients,
  startAgeEncryption,
  type AgeIdentity,
  type AgeRecipient,
} from '../../../lib/crypto/age/index.js';
import { writeHeader } from '../../../lib/crypto/age/header.js';
import { wrapScrypt } from '../../../lib/crypto/age/scrypt.js';
import { LocalFileSource } from '../../../lib/storage/index.js';
import { hasAge, runAge, runAgeWithPassphrase } from '../../support/age-cli.js';
import { useTempDir } from '../archive/support.js';

const tempDir = useTempDir();
const describeAge = hasAge ? describe : describe.skip;
if (!hasAge) console.warn('age interoperability tests skipped: install the age package (age, age-keygen)');

const KiB = 1024;
const SIZES = [0, 1, 65535, 65536, 65537, 3 * 64 * KiB, 3 * 1024 * KiB + 5];

interface KeyPair {
  file: string;
  text: string;
  recipient: string;
}

async function keygen(name: string): Promise<KeyPair> {
  const file = join(tempDir(), name);
  const made = await runAge('age-keygen', ['-o', file]);
  expect(made.code).toBe(0);
  const text = await readFile(file, 'utf8');
  return { file, text, recipient: /# public key: (age1\S+)/.exec(text)![1]! };
}

async function encrypt(plaintext: Buffer, recipients: AgeRecipient[], chunkSize = 10_000): Promise<Buffer> {
  const { stream } = await startAgeEncryption(recipients);
  const parts: Buffer[] = [];
  stream.on('data', (part: Buffer) => parts.push(part));
  // Odd-sized writes: the chunking must not depend on how the bytes arrive.
  const pieces = [];
  for (let at = 0; at < plaintext.length; at += chunkSize) pieces.push(plaintext.subarray(at, at + chunkSize));
  await pipeline(Readable.from(pieces), stream);
  return Buffer.concat(parts);
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function openAge(file: string, identities: AgeIdentity[]): Promise<AgeDecryptingSource> {
  return AgeDecryptingSource.open(await LocalFileSource.open(file), identities);
}

async function decryptFile(file: string, identities: AgeIdentity[]): Promise<Buffer> {
  const source = await openAge(file, identities);
  try {
    return await bytesOf(source.readStream(0, source.size));
  } finally {
    await source.close();
  }
}

function identitiesOf(key: KeyPair): AgeIdentity[] {
  const { identities, problems } = parseIdentities(key.text);
  expect(problems).toEqual([]);
  return identities;
}

function recipientsOf(...keys: KeyPair[]): AgeRecipient[] {
  const { recipients, problems } = parseRecipients(keys.map((key) => key.recipient).join('\n'));
  expect(problems).toEqual([]);
  return recipients;
}

const passphrase = (text: string): AgeRecipient & AgeIdentity => ({ kind: 'scrypt', passphrase: Buffer.from(text) });

function headerLength(file: Buffer): number {
  return file.indexOf('\n', file.indexOf('\n---') + 1) + 1;
}

describeAge('age interoperability (X25519)', () => {
  it.each(SIZES)('a %d-byte file pgbak encrypts decrypts with age -d, and has the payload layout age writes', async (size) => {
    const key = await keygen('key.txt');
    const plaintext = randomBytes(size);
    const ours = join(tempDir(), 'ours.age');
    await writeFile(ours, await encrypt(plaintext, recipientsOf(key)));
    const opened = await runAge('age', ['-d', '-i', key.file, ours]);
    expect(opened.stderr).toBe('');
    expect(opened.code).toBe(0);
    expect(opened.stdout.equals(plaintext)).toBe(true);

    // The same plaintext through age: the payloads (nonce and chunks) have the same length.
    const plainFile = join(tempDir(), 'plain');
    await writeFile(plainFile, plaintext);
    const theirs = join(tempDir(), 'theirs.age');
    expect((await runAge('age', ['-e', '-r', key.recipient, '-o', theirs, plainFile])).code).toBe(0);
    const [a, b] = [await readFile(ours), await readFile(theirs)];
    expect(a.length - headerLength(a)).toBe(b.length - headerLength(b));
  });

  it.each(SIZES)('a %d-byte file age -e -r encrypts decrypts with pgbak, whole and by ranges across chunks', async (size) => {
    const key = await keygen('key.txt');
    const plaintext = randomBytes(size);
    const plainFile = join(tempDir(), 'plain');
    await writeFile(plainFile, plaintext);
    const theirs = join(tempDir(), 'theirs.age');
    expect((await runAge('age', ['-e', '-r', key.recipient, '-o', theirs, plainFile])).code).toBe(0);
    expect((await decryptFile(theirs, identitiesOf(key))).equals(plaintext)).toBe(true);

    const source = await openAge(theirs, identitiesOf(key));
    try {
      expect(source.size).toBe(size);
      for (const [start, end] of [[0, 1], [65530, 65542], [65536, 65537], [size - 3, size], [100, 200_000], [131071, 131073]] as const) {
        const [s, e] = [Math.max(0, Math.min(start, size)), Math.max(0, Math.min(end, size))];
        expect((await bytesOf(source.readStream(s, e))).equals(plaintext.subarray(s, e))).toBe(true);
      }
    } finally {
      await source.close();
    }
  });

  it('encrypts to several recipients, each of which opens the file with age -d', async () => {
    const keys = [await keygen('a.txt'), await keygen('b.txt'), await keygen('c.txt')];
    const plaintext = randomBytes(70_000);
    const file = join(tempDir(), 'several.age');
    await writeFile(file, await encrypt(plaintext, recipientsOf(...keys)));
    for (const key of keys) {
      const opened = await runAge('age', ['-d', '-i', key.file, file]);
      expect(opened.code).toBe(0);
      expect(opened.stdout.equals(plaintext)).toBe(true);
    }
  });

  it('opens a file age encrypted to several recipients with the identity of any one of them', async () => {
    const keys = [await keygen('a.txt'), await keygen('b.txt')];
    const plainFile = join(tempDir(), 'plain');
    const plaintext = randomBytes(1000);
    await writeFile(plainFile, plaintext);
    const file = join(tempDir(), 'theirs.age');
    expect((await runAge('age', ['-e', '-r', keys[0]!.recipient, '-r', keys[1]!.recipient, '-o', file, plainFile])).code).toBe(0);
    expect((await decryptFile(file, identitiesOf(keys[1]!))).equals(plaintext)).toBe(true);
  });

  it('refuses a wrong identity with "no identity matches" (exit 2), naming the file', async () => {
    const [right, wrong] = [await keygen('right.txt'), await keygen('wrong.txt')];
    const file = join(tempDir(), 'x.age');
    await writeFile(file, await encrypt(randomBytes(100), recipientsOf(right)));
    const failure = await decryptFile(file, identitiesOf(wrong)).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ENCRYPTION_KEY', exitCode: 2 });
    expect((failure as Error).message).toContain('no identity matches');
    expect((failure as Error).message).toContain(file);
    expect((failure as Error).message).not.toContain(wrong.text.split('\n')[2]);
    const none = await decryptFile(file, []).catch((error: unknown) => error);
    expect(none).toMatchObject({ code: 'ENCRYPTION_KEY', exitCode: 2 });
    expect((none as Error).message).toContain('an identity is needed');
  });
});

describeAge('age interoperability (passphrase, scrypt)', () => {
  it('a file pgbak encrypts with a passphrase decrypts with age -d (typed on a terminal)', async () => {
    const plaintext = randomBytes(65537);
    const file = join(tempDir(), 'p.age');
    await writeFile(file, await encrypt(plaintext, [passphrase('correct horse battery staple')]));
    expect((await readFile(file)).toString('latin1')).toMatch(/^age-encryption\.org\/v1\n-> scrypt \S{22} 18\n/);
    const out = join(tempDir(), 'p.out');
    const opened = await runAgeWithPassphrase(['-d', '-o', out, file], 'correct horse battery staple');
    expect(opened.code).toBe(0);
    expect((await readFile(out)).equals(plaintext)).toBe(true);
  });

  it('a file age -p encrypts decrypts with pgbak; a wrong passphrase is exit 2', async () => {
    const plaintext = randomBytes(200_000);
    const plainFile = join(tempDir(), 'plain');
    await writeFile(plainFile, plaintext);
    const file = join(tempDir(), 'theirs.age');
    const made = await runAgeWithPassphrase(['-p', '-o', file, plainFile], 'open sesame, twice');
    expect(made.code).toBe(0);
    expect((await decryptFile(file, [passphrase('open sesame, twice')])).equals(plaintext)).toBe(true);
    const wrong = await decryptFile(file, [passphrase('open sesame')]).catch((error: unknown) => error);
    expect(wrong).toMatchObject({ code: 'ENCRYPTION_KEY', exitCode: 2 });
    expect((wrong as Error).message).toContain('passphrase is not the one');
    const none = await decryptFile(file, []).catch((error: unknown) => error);
    expect((none as Error).message).toContain('encrypted with a passphrase');
  });

  it('refuses a header that mixes a passphrase stanza with an X25519 one', async () => {
    const key = await keygen('k.txt');
    const fileKey = randomBytes(16);
    const { stream } = await startAgeEncryption(recipientsOf(key));
    const theirs = (await bytesOf(Readable.from([]).pipe(stream))) as Buffer;
    // A crafted header: our X25519 stanza (taken from a real file) plus a scrypt one.
    const x25519Header = theirs.subarray(0, headerLength(theirs)).toString('latin1');
    const stanzaLines = x25519Header.split('\n').slice(1, 3);
    const scrypt = await wrapScrypt(Buffer.from('pw'), fileKey, 10);
    const header = writeHeader([{ type: 'X25519', args: [stanzaLines[0]!.split(' ')[2]!], body: Buffer.from(stanzaLines[1]!, 'base64') }, scrypt], fileKey);
    const file = join(tempDir(), 'mixed.age');
    await writeFile(file, Buffer.concat([header, randomBytes(16 + 16)]));
    const failure = await decryptFile(file, [passphrase('pw')]).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ARCHIVE_TAMPERED', exitCode: 3 });
    expect((failure as Error).message).toContain('mixes a passphrase');
  });

  it('refuses a work factor above age\'s cap of 2^22 without running scrypt', async () => {
    const fileKey = randomBytes(16);
    const stanza = await wrapScrypt(Buffer.from('pw'), fileKey, 10);
    const file = join(tempDir(), 'slow.age');
    await writeFile(file, Buffer.concat([writeHeader([{ ...stanza, args: [stanza.args[0]!, '23'] }], fileKey), randomBytes(32)]));
    const started = Date.now();
    const failure = await decryptFile(file, [passphrase('pw')]).catch((error: unknown) => error);
    expect((failure as Error).message).toContain('above the cap of 2^22');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describeAge('age files that were altered or cut short', () => {
  let key: KeyPair;
  let plaintext: Buffer;
  let file: string;
  let bytes: Buffer;
  beforeEach(async () => {
    key = await keygen('k.txt');
    plaintext = randomBytes(3 * 64 * KiB + 100);
    file = join(tempDir(), 'x.age');
    const plainFile = join(tempDir(), 'plain');
    await writeFile(plainFile, plaintext);
    // Made by age itself: the checks must hold for any writer.
    expect((await runAge('age', ['-e', '-r', key.recipient, '-o', file, plainFile])).code).toBe(0);
    bytes = await readFile(file);
  });

  async function failureOf(altered: Buffer): Promise<Error & { code?: string; exitCode?: number }> {
    await writeFile(file, altered);
    const error = await decryptFile(file, identitiesOf(key)).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).not.toBeNull();
    return error!;
  }

  it('refuses a flipped byte in a payload chunk (exit 3), when that chunk is read', async () => {
    const altered = Buffer.from(bytes);
    altered[headerLength(bytes) + 16 + 65552 + 10]! ^= 1;
    // The first chunk still reads: only the altered one fails.
    await writeFile(file, altered);
    const source = await openAge(file, identitiesOf(key));
    try {
      expect((await bytesOf(source.readStream(0, 1000))).equals(plaintext.subarray(0, 1000))).toBe(true);
      await expect(bytesOf(source.readStream(65536, 65540))).rejects.toMatchObject({ code: 'ARCHIVE_TAMPERED', exitCode: 3, message: expect.stringContaining('chunk 1 does not authenticate') });
    } finally {
      await source.close();
    }
  });

  it('refuses an altered header MAC, and a stanza added to the header', async () => {
    const macAt = bytes.indexOf('\n---') + 5;
    const altered = Buffer.from(bytes);
    altered[macAt] = altered[macAt] === 0x41 ? 0x42 : 0x41;
    expect(await failureOf(altered)).toMatchObject({ code: 'ARCHIVE_TAMPERED', message: expect.stringContaining('header') });
    const extra = Buffer.concat([Buffer.from('age-encryption.org/v1\n-> grease x\n\n'), bytes.subarray('age-encryption.org/v1\n'.length)]);
    expect(await failureOf(extra)).toMatchObject({ code: 'ARCHIVE_TAMPERED', message: expect.stringContaining('header MAC does not match') });
  });

  it.each([
    ['at a chunk boundary', (b: Buffer) => b.subarray(0, headerLength(b) + 16 + 2 * 65552)],
    ['inside a chunk', (b: Buffer) => b.subarray(0, headerLength(b) + 16 + 65552 + 300)],
    ['by one byte', (b: Buffer) => b.subarray(0, b.length - 1)],
    ['after the header', (b: Buffer) => b.subarray(0, headerLength(b) + 16)],
    ['inside the header', (b: Buffer) => b.subarray(0, 40)],
  ])('refuses a file cut short %s when it is opened: never a shorter plaintext', async (_how, cut) => {
    const failure = await failureOf(cut(bytes));
    expect(failure).toMatchObject({ code: 'ARCHIVE_TAMPERED', exitCode: 3 });
  });

  it('refuses a final chunk that is not flagged last (a file cut at a boundary and re-ended is still refused)', async () => {
    // An empty chunk appended after a full-size file would be an empty final chunk: refused by size.
    const failure = await failureOf(Buffer.concat([bytes, randomBytes(16)]));
    expect(failure).toMatchObject({ code: 'ARCHIVE_TAMPERED' });
  });

  it('refuses a file that is not age at all', async () => {
    const failure = await failureOf(Buffer.from('PK\x03\x04 this is a zip'));
    expect(failure).toMatchObject({ code: 'ARCHIVE_TAMPERED', message: expect.stringContaining('not an age file') });
  });
});

describe('age key files', () => {
  it('reads identity files with comments and blank lines, and names bad lines without echoing them', () => {
    const secret = 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ';
    const { identities, problems } = parseIdentities(`# created: x\n\n${secret}\nage1zzz\n`);
    expect(identities).toEqual([]);
    expect(problems.map((p) => p.line)).toEqual([3, 4]);
    expect(JSON.stringify(problems)).not.toContain('QQQQ');
  });

  it('says a secret key given as a recipient is a secret key, without echoing it', () => {
    const { problems } = parseRecipients('AGE-SECRET-KEY-1ABCDEF');
    expect(problems).toEqual([{ line: 1, reason: expect.stringContaining('a secret key') }]);
    expect(JSON.stringify(problems)).not.toContain('ABCDEF');
  });
});
