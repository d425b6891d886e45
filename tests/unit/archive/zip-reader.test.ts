import { randomBytes } from 'node:crypto';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { verifyEntries } from '../../../lib/archive/verify-entries.js';
import { openZip, openZipSource } from '../../../lib/archive/zip-reader.js';
import { ZipWriter, type EntryInfo } from '../../../lib/archive/zip-writer.js';
import { LocalFileSink, LocalFileSource, type ArchiveSource } from '../../../lib/storage/index.js';
import { sha256Of, useTempDir } from './support.js';

const tempDir = useTempDir();

async function writeArchive(path: string): Promise<EntryInfo[]> {
  const writer = await ZipWriter.create(await LocalFileSink.open(path));
  const entries = [
    await writer.addStream('app/app.sql', Readable.from([Buffer.from('SELECT 1;\n'.repeat(5000))]), { compress: true }),
    await writer.addStream('app/app.dump', Readable.from([randomBytes(100_000)]), { compress: false }),
    await writer.addBuffer('manifest.json', Buffer.from('{"formatVersion":1}\n'), { compress: true }),
  ];
  await writer.finish();
  return entries;
}

describe('openZip', () => {
  it('lists entries with their sizes and whether they are deflated', async () => {
    const path = join(tempDir(), 'b.zip');
    await writeArchive(path);
    const reader = await openZip(path);
    try {
      const entries = reader.entries();
      expect(entries.map((e) => [e.name, e.uncompressedSize, e.compressed])).toEqual([
        ['app/app.sql', 50_000, true],
        ['app/app.dump', 100_000, false],
        ['manifest.json', 20, true],
      ]);
      expect(entries[0]!.compressedSize).toBeLessThan(50_000);
      expect(entries[1]!.compressedSize).toBe(100_000);
      expect(reader.has('manifest.json')).toBe(true);
      expect(reader.has('nope')).toBe(false);
    } finally {
      reader.close();
    }
  });

  it('streams an entry', async () => {
    const path = join(tempDir(), 'b.zip');
    const [sql] = await writeArchive(path);
    const reader = await openZip(path);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await reader.openStream('app/app.sql')) chunks.push(chunk as Buffer);
      expect(sha256Of(Buffer.concat(chunks))).toBe(sql!.sha256);
    } finally {
      reader.close();
    }
  });

  it('reports a missing entry as ARCHIVE_INVALID', async () => {
    const path = join(tempDir(), 'b.zip');
    await writeArchive(path);
    const reader = await openZip(path);
    try {
      await expect(reader.readText('nope.sql')).rejects.toMatchObject({
        code: 'ARCHIVE_INVALID',
        message: `${path} is not a readable pgbak archive: it has no entry nope.sql`,
      });
      await expect(reader.openStream('nope.sql')).rejects.toMatchObject({ code: 'ARCHIVE_INVALID' });
    } finally {
      reader.close();
    }
  });

  it('refuses to read a large entry as text', async () => {
    const path = join(tempDir(), 'b.zip');
    await writeArchive(path);
    const reader = await openZip(path);
    try {
      await expect(reader.readText('app/app.dump', { maxBytes: 1000 })).rejects.toMatchObject({
        code: 'ARCHIVE_INVALID',
        message: expect.stringContaining('app/app.dump is 100000 bytes'),
      });
    } finally {
      reader.close();
    }
  });

  it('reports a truncated archive as ARCHIVE_INVALID with a hint', async () => {
    const path = join(tempDir(), 'b.zip');
    await writeArchive(path);
    await truncate(path, (await stat(path)).size - 100);
    await expect(openZip(path)).rejects.toMatchObject({
      code: 'ARCHIVE_INVALID',
      message: expect.stringMatching(new RegExp(`^${path} is not a readable pgbak archive: .+`)),
      hint: expect.stringContaining('.partial'),
    });
  });

  it('reports random bytes as ARCHIVE_INVALID', async () => {
    const path = join(tempDir(), 'noise.zip');
    await writeFile(path, randomBytes(4096));
    await expect(openZip(path)).rejects.toMatchObject({ code: 'ARCHIVE_INVALID' });
  });

  it('reports a file that does not exist as ARCHIVE_INVALID', async () => {
    const path = join(tempDir(), 'missing.zip');
    await expect(openZip(path)).rejects.toMatchObject({
      code: 'ARCHIVE_INVALID',
      message: `${path} is not a readable pgbak archive: no such file`,
    });
  });

  it('reports damaged entry data as an error of the entry stream', async () => {
    const path = join(tempDir(), 'b.zip');
    await writeArchive(path);
    const bytes = await readFile(path);
    // Overwrite the first (deflated) entry's data, which follows its 30-byte local header
    // and its name; the central directory stays intact.
    const dataStart = 30 + 'app/app.sql'.length;
    bytes.fill(0xff, dataStart, dataStart + 40);
    await writeFile(path, bytes);
    const reader = await openZip(path);
    try {
      await expect(reader.readText('app/app.sql')).rejects.toMatchObject({ code: 'ARCHIVE_INVALID' });
    } finally {
      reader.close();
    }
  });
});

describe('ZipReader.openStream', () => {
  async function streamed(path: string, name: string): Promise<Buffer[]> {
    const reader = await openZip(path);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await reader.openStream(name)) chunks.push(chunk as Buffer);
      return chunks;
    } finally {
      reader.close();
    }
  }

  it('inflates a deflated entry in chunks bigger than zlib\'s default 16 KiB (each chunk is a trip to the thread pool)', async () => {
    const path = join(tempDir(), 'big.zip');
    const writer = await ZipWriter.create(await LocalFileSink.open(path));
    const text = Buffer.from('1\t0\t\\N\n'.repeat(400_000));
    await writer.addStream('app/data.sql', Readable.from([text]), { compress: true });
    await writer.finish();
    const chunks = await streamed(path, 'app/data.sql');
    expect(Buffer.concat(chunks).equals(text)).toBe(true);
    expect(Math.max(...chunks.map((c) => c.length))).toBeGreaterThan(16 * 1024);
  });

  it('fails the stream of an entry whose data is damaged', async () => {
    const path = join(tempDir(), 'b.zip');
    await writeArchive(path);
    const bytes = await readFile(path);
    const dataStart = 30 + 'app/app.sql'.length;
    bytes.fill(0xff, dataStart, dataStart + 40);
    await writeFile(path, bytes);
    await expect(streamed(path, 'app/app.sql')).rejects.toThrow();
  });

  it.each([
    ['more', 50_001, /not enough bytes in the stream/],
    ['fewer', 49_999, /too many bytes in the stream/],
  ])('fails the stream of a deflated entry whose directory records %s bytes than it holds', async (_what, size, message) => {
    const path = join(tempDir(), 'b.zip');
    await writeArchive(path);
    const bytes = await readFile(path);
    // The central directory's record of app/app.sql: signature, then its uncompressed size at offset 24.
    const record = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    expect(bytes.readUInt32LE(record + 24)).toBe(50_000);
    bytes.writeUInt32LE(size, record + 24);
    await writeFile(path, bytes);
    await expect(streamed(path, 'app/app.sql')).rejects.toThrow(message);
  });
});

describe('verifyEntries', () => {
  it('confirms every entry of an intact archive', async () => {
    const path = join(tempDir(), 'b.zip');
    const entries = await writeArchive(path);
    const reader = await openZip(path);
    try {
      expect(await verifyEntries(reader, entries)).toEqual(entries.map(({ name }) => ({ name, ok: true })));
    } finally {
      reader.close();
    }
  });

  it('reports a tampered digest, a wrong size and a missing entry, one result each', async () => {
    const path = join(tempDir(), 'b.zip');
    const [sql, dump, manifest] = (await writeArchive(path)) as [EntryInfo, EntryInfo, EntryInfo];
    const reader = await openZip(path);
    try {
      const results = await verifyEntries(reader, [
        { ...sql, sha256: sha256Of('something else') },
        { ...dump, bytes: dump.bytes + 1 },
        { name: 'app/globals.sql', bytes: 1, sha256: sha256Of('x') },
        manifest,
      ]);
      expect(results).toEqual([
        { name: 'app/app.sql', ok: false, reason: expect.stringMatching(/^digest mismatch/) },
        { name: 'app/app.dump', ok: false, reason: 'size mismatch: 100000 bytes, expected 100001' },
        { name: 'app/globals.sql', ok: false, reason: 'missing' },
        { name: 'manifest.json', ok: true },
      ]);
    } finally {
      reader.close();
    }
  });

  it('detects content changed inside a stored entry, which the zip itself does not check', async () => {
    const path = join(tempDir(), 'b.zip');
    const entries = await writeArchive(path);
    const bytes = await readFile(path);
    // Flip bytes inside the stored dump: same size, so only the digest can tell.
    const start = bytes.indexOf(Buffer.from('app/app.dump')) + 'app/app.dump'.length + 1000;
    bytes.fill(0, start, start + 64);
    await writeFile(path, bytes);
    const reader = await openZip(path);
    try {
      const results = await verifyEntries(reader, entries);
      expect(results[1]).toEqual({ name: 'app/app.dump', ok: false, reason: expect.stringMatching(/^digest mismatch/) });
      expect(results[0]).toEqual({ name: 'app/app.sql', ok: true });
    } finally {
      reader.close();
    }
  });
});

describe('openZipSource over ranged reads', () => {
  /** A local file as a source that records every range asked for (as an S3 source would send GETs). */
  async function countingSource(path: string) {
    const file = await LocalFileSource.open(path);
    const reads: Array<[number, number]> = [];
    const source: ArchiveSource = {
      location: file.location,
      size: file.size,
      readStream: (start, end) => {
        reads.push([start, end]);
        return file.readStream(start, end);
      },
      close: () => file.close(),
    };
    return { source, reads };
  }

  it('reads small entries from the 64 KiB read that fetched their header, not two reads per entry', async () => {
    const path = join(tempDir(), 'many.zip');
    const writer = await ZipWriter.create(await LocalFileSink.open(path));
    const expected: Array<{ name: string; sha256: string; bytes: number }> = [];
    for (let i = 0; i < 20; i++) {
      const data = randomBytes(2_000);
      await writer.addBuffer(`d/${i}.dat`, data, { compress: false });
      expected.push({ name: `d/${i}.dat`, sha256: sha256Of(data), bytes: data.length });
    }
    const big = randomBytes(200_000);
    await writer.addBuffer('d/big.dat', big, { compress: false });
    expected.push({ name: 'd/big.dat', sha256: sha256Of(big), bytes: big.length });
    // Pad so that the entries lie before the tail the reader keeps.
    await writer.addBuffer('pad', randomBytes(300 * 1024), { compress: false });
    await writer.finish();
    const { source, reads } = await countingSource(path);
    const reader = await openZipSource(source);
    try {
      const opened = reads.length;
      const results = await verifyEntries(reader, expected);
      expect(results.every((r) => r.ok)).toBe(true);
      // The first header read fetches 64 KiB: the 20 small entries (headers and data) and the
      // big one's header and start; the rest of the big one is one more read. Not 2 × 21.
      expect(reads.length - opened).toBe(2);
    } finally {
      reader.close();
    }
  });
});
