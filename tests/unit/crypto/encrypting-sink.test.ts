// EncryptingSink: an ArchiveSink that encrypts with age before its inner sink sees a byte.
// Compliance with the sink contract: commit stores the ciphertext (and its sha256), a
// failure reaches the inner sink as an error (never an end an upload could complete), abort
// at any moment leaves nothing.
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AgeDecryptingSource, EncryptingSink, generateX25519, parseIdentities, parseRecipients } from '../../../lib/crypto/age/index.js';
import { LocalFileSink, LocalFileSource } from '../../../lib/storage/index.js';
import { MemorySink } from '../storage/memory-sink.js';
import { useTempDir } from '../archive/support.js';

const tempDir = useTempDir();
const pair = generateX25519();
const recipients = parseRecipients(pair.recipient).recipients;
const identities = parseIdentities(pair.identity).identities;

describe('EncryptingSink', () => {
  it('stores only ciphertext, records the sha256 of the bytes stored, and decrypts to what was written', async () => {
    const path = join(tempDir(), 'a.zip.age');
    const sink = await EncryptingSink.open(await LocalFileSink.open(path), recipients);
    const plaintext = randomBytes(300_000);
    await pipeline(Readable.from([plaintext.subarray(0, 1000), plaintext.subarray(1000)]), sink.writable);
    const committed = await sink.commit();
    const stored = await readFile(path);
    expect(committed).toMatchObject({ location: path, bytes: stored.length, sha256: createHash('sha256').update(stored).digest('hex') });
    expect(stored.includes(plaintext.subarray(5000, 5032))).toBe(false);
    const source = await AgeDecryptingSource.open(await LocalFileSource.open(path), identities);
    const parts: Buffer[] = [];
    for await (const part of source.readStream(0, source.size)) parts.push(part as Buffer);
    await source.close();
    expect(Buffer.concat(parts).equals(plaintext)).toBe(true);
  });

  it('a failing inner sink fails the writer, and the inner sink was destroyed with an error', async () => {
    const inner = new MemorySink('mem', { failAfter: 100_000 });
    const sink = await EncryptingSink.open(inner, recipients);
    await expect(pipeline(Readable.from([randomBytes(500_000)]), sink.writable)).rejects.toThrow(/upload failed/);
    await expect(sink.commit()).rejects.toThrow();
    expect(inner.committed).toBe(false);
    expect(inner.destroyedWith).toBeInstanceOf(Error);
  });

  it('abort() mid-write destroys the inner sink with the reason and leaves no file', async () => {
    const dir = tempDir();
    const sink = await EncryptingSink.open(await LocalFileSink.open(join(dir, 'b.zip.age')), recipients);
    sink.writable.write(randomBytes(200_000));
    await sink.abort(new Error('stop'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await readdir(dir)).toEqual([]);
    await expect(sink.commit()).rejects.toThrow(/aborted/);
  });

  it('a writable destroyed with an error reaches the inner sink as that error, never as an end', async () => {
    const inner = new MemorySink('mem');
    const sink = await EncryptingSink.open(inner, recipients);
    sink.writable.write(randomBytes(10_000));
    sink.writable.destroy(new Error('pg_dump died'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(inner.finished).toBe(false);
    expect(inner.destroyedWith).toBeInstanceOf(Error);
    await sink.abort();
    expect(inner.committed).toBe(false);
  });
});
