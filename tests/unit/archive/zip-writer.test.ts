import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { lstat, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import yauzl from 'yauzl';
import { PgbakError } from '../../../lib/errors.js';
import { verifyEntries } from '../../../lib/archive/verify-entries.js';
import { openZip } from '../../../lib/archive/zip-reader.js';
import { ZipWriter, type ZipWriterOptions } from '../../../lib/archive/zip-writer.js';
import { LocalFileSink } from '../../../lib/storage/local/file-sink.js';
import { TeeSink } from '../../../lib/storage/tee-sink.js';
import { MemorySink } from '../storage/memory-sink.js';
import { mountSmallTmpfs } from '../../support/small-tmpfs.js';
import { endlessSource, generatedSource, sha256Of, useTempDir } from './support.js';

const tempDir = useTempDir();
const hasUnzip = spawnSync('unzip', ['-v']).status === 0;
if (!hasUnzip) console.warn('unzip is not on PATH: skipping the test that checks archives with `unzip -t`');

async function compressionMethods(path: string): Promise<Record<string, number>> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true });
  const methods: Record<string, number> = {};
  for await (const entry of zip.eachEntry()) methods[entry.fileName] = entry.compressionMethod;
  return methods;
}

async function readEntryText(path: string, name: string): Promise<string> {
  const reader = await openZip(path);
  try {
    return await reader.readText(name);
  } finally {
    reader.close();
  }
}

/** A writer into a local file, as a run makes one. */
async function openWriter(path: string, options?: ZipWriterOptions): Promise<ZipWriter> {
  return ZipWriter.create(await LocalFileSink.open(path), options);
}

describe('ZipWriter', () => {
  it('writes stream, buffer and file entries that read back byte for byte with their sha256', async () => {
    const dir = tempDir();
    const filePath = join(dir, 'run.log');
    const logText = 'line one\nline two\n'.repeat(500);
    await writeFile(filePath, logText);
    const dumpText = 'COPY public.t (id) FROM stdin;\n1\n2\n\\.\n'.repeat(2000);

    const writer = await openWriter(join(dir, 'backup.zip'));
    const dump = await writer.addStream('app/app.sql', Readable.from([Buffer.from(dumpText)]), { compress: true });
    const manifest = await writer.addBuffer('manifest.json', Buffer.from('{"formatVersion":1}'), { compress: true });
    const log = await writer.addFile('pgbak.log', filePath, { compress: false });
    const done = await writer.finish();

    expect(dump).toEqual({ name: 'app/app.sql', bytes: dumpText.length, sha256: sha256Of(dumpText), compressed: true });
    expect(manifest).toEqual({ name: 'manifest.json', bytes: 19, sha256: sha256Of('{"formatVersion":1}'), compressed: true });
    expect(log).toEqual({ name: 'pgbak.log', bytes: logText.length, sha256: sha256Of(logText), compressed: false });
    expect(done).toEqual({ location: join(dir, 'backup.zip'), bytes: (await stat(join(dir, 'backup.zip'))).size, sha256: sha256Of(await readFile(join(dir, 'backup.zip'))) });

    const reader = await openZip(done.location);
    try {
      expect(reader.entries().map((e) => [e.name, e.uncompressedSize, e.compressed])).toEqual([
        ['app/app.sql', dumpText.length, true],
        ['manifest.json', 19, true],
        ['pgbak.log', logText.length, false],
      ]);
      expect(await reader.readText('app/app.sql')).toBe(dumpText);
      expect(await reader.readText('manifest.json')).toBe('{"formatVersion":1}');
      expect(await reader.readText('pgbak.log')).toBe(logText);
    } finally {
      reader.close();
    }
  });

  it('deflates compressed entries (method 8) and stores the others (method 0)', async () => {
    const path = join(tempDir(), 'methods.zip');
    const writer = await openWriter(path);
    const text = Buffer.from('abc'.repeat(10_000));
    await writer.addStream('deflated.sql', Readable.from([text]), { compress: true });
    await writer.addStream('stored.dump', Readable.from([text]), { compress: false });
    await writer.addBuffer('deflated.json', text, { compress: true });
    await writer.addBuffer('stored.json', text, { compress: false });
    await writer.finish();
    expect(await compressionMethods(path)).toEqual({
      'deflated.sql': 8,
      'stored.dump': 0,
      'deflated.json': 8,
      'stored.json': 0,
    });
  });

  it('stores everything, and says so, when the compression level is 0', async () => {
    const path = join(tempDir(), 'level0.zip');
    const writer = await openWriter(path, { compressionLevel: 0 });
    const info = await writer.addStream('a.sql', Readable.from([Buffer.from('x'.repeat(1000))]), { compress: true });
    await writer.finish();
    expect(info.compressed).toBe(false);
    expect(await compressionMethods(path)).toEqual({ 'a.sql': 0 });
  });

  it('passes the compression level to zlib: level 1 makes a larger file than level 9', async () => {
    const dir = tempDir();
    const text = Buffer.from(Array.from({ length: 50_000 }, (_, i) => `row ${i % 997} value ${i % 13}\n`).join(''));
    const sizes: number[] = [];
    for (const level of [1, 9]) {
      const writer = await openWriter(join(dir, `l${level}.zip`), { compressionLevel: level });
      await writer.addStream('a.sql', Readable.from([text]), { compress: true });
      sizes.push((await writer.finish()).bytes);
      expect(await readEntryText(join(dir, `l${level}.zip`), 'a.sql')).toBe(text.toString());
    }
    expect(sizes[0]).toBeGreaterThan(sizes[1]!);
  });

  it('refuses a compression level outside 0..9, and aborts its sink', async () => {
    await expect(openWriter(join(tempDir(), 'x.zip'), { compressionLevel: 12 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    expect(await readdir(tempDir())).toEqual([]);
  });

  it('streams a multi-megabyte entry without buffering it: the producer stays close to the disk', async () => {
    const path = join(tempDir(), 'big.zip');
    const total = 48 * 1024 * 1024;
    let maxAhead = 0;
    const writer = await openWriter(path);
    const source = generatedSource(total, 64 * 1024, (produced) => {
      maxAhead = Math.max(maxAhead, produced - statSync(`${path}.partial`).size);
    });
    const info = await writer.addStream('big.dump', source.stream, { compress: false });
    await writer.finish();

    expect(info).toEqual({ name: 'big.dump', bytes: total, sha256: source.sha256(), compressed: false });
    // Only the streams' buffers (a few hundred KiB) lie between producer and file.
    expect(maxAhead).toBeLessThan(4 * 1024 * 1024);
    const reader = await openZip(path);
    try {
      expect(await verifyEntries(reader, [info])).toEqual([{ name: 'big.dump', ok: true }]);
    } finally {
      reader.close();
    }
  });

  it('round-trips a deflated multi-megabyte streamed entry', async () => {
    const path = join(tempDir(), 'big-deflated.zip');
    const source = generatedSource(12 * 1024 * 1024);
    const writer = await openWriter(path, { compressionLevel: 1 });
    const info = await writer.addStream('big.sql', source.stream, { compress: true });
    await writer.finish();
    expect(info.sha256).toBe(source.sha256());
    const reader = await openZip(path);
    try {
      expect(await verifyEntries(reader, [info])).toEqual([{ name: 'big.sql', ok: true }]);
    } finally {
      reader.close();
    }
  });

  (hasUnzip ? it : it.skip)('writes a zip that the system unzip -t accepts', async () => {
    const path = join(tempDir(), 'unzip.zip');
    const writer = await openWriter(path);
    await writer.addStream('a.sql', generatedSource(3 * 1024 * 1024).stream, { compress: true });
    await writer.addStream('b.dump', generatedSource(1024 * 1024).stream, { compress: false });
    await writer.addBuffer('manifest.json', Buffer.from('{}'), { compress: true });
    await writer.finish();
    const result = spawnSync('unzip', ['-t', path], { encoding: 'utf8' });
    expect(result.stdout).toMatch(/No errors detected/);
    expect(result.status).toBe(0);
  });

  it('leaves the finished zip readable by its owner only (0600) and no .partial behind', async () => {
    const dir = tempDir();
    const writer = await openWriter(join(dir, 'private.zip'));
    expect((await stat(join(dir, 'private.zip.partial'))).mode & 0o777).toBe(0o600);
    await writer.addBuffer('a', Buffer.from('a'), { compress: true });
    const { location } = await writer.finish();
    expect((await stat(location)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['private.zip']);
  });

  it('creates the output directory when it is missing', async () => {
    const path = join(tempDir(), 'nested', 'deeper', 'b.zip');
    const writer = await openWriter(path);
    await writer.addBuffer('a', Buffer.from('a'), { compress: false });
    await writer.finish();
    expect((await stat(path)).isFile()).toBe(true);
  });

  it('refuses a .partial that is already there (a stale file or a symlink) and leaves it and the final name alone', async () => {
    const dir = tempDir();
    const finalPath = join(dir, 'b.zip');
    const victim = join(dir, 'victim');
    await writeFile(finalPath, 'an older backup');
    await writeFile(victim, 'not pgbak\'s');
    await symlink(victim, `${finalPath}.partial`);
    await expect(openWriter(finalPath)).rejects.toMatchObject({ code: 'OUTPUT_NOT_WRITABLE', message: expect.stringContaining('b.zip.partial: already exists (EEXIST)') });
    expect(await readFile(victim, 'utf8')).toBe('not pgbak\'s');
    expect((await lstat(`${finalPath}.partial`)).isSymbolicLink()).toBe(true);
    await rm(`${finalPath}.partial`);
    await symlink(join(dir, 'nowhere'), `${finalPath}.partial`);
    await expect(openWriter(finalPath)).rejects.toMatchObject({ code: 'OUTPUT_NOT_WRITABLE' });
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
    expect(await readFile(finalPath, 'utf8')).toBe('an older backup');
  });

  it('creates missing folders 0700 even when the umask is permissive', async () => {
    const dir = tempDir();
    const old = process.umask(0o000);
    try {
      const writer = await openWriter(join(dir, 'new', 'deeper', 'b.zip'));
      await writer.abort();
    } finally {
      process.umask(old);
    }
    expect((await stat(join(dir, 'new'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'new', 'deeper'))).mode & 0o777).toBe(0o700);
  });

  it('reports OUTPUT_NOT_WRITABLE when the output directory cannot exist', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'a-file'), '');
    const attempt = openWriter(join(dir, 'a-file', 'sub', 'b.zip'));
    await expect(attempt).rejects.toBeInstanceOf(PgbakError);
    await expect(attempt).rejects.toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
      message: `cannot write to ${join(dir, 'a-file', 'sub')}: a parent of it is not a directory (ENOTDIR)`,
      hint: expect.stringMatching(/writable/),
    });
  });

  it('reports OUTPUT_NOT_WRITABLE for a directory that is not writable even by root (/proc)', async () => {
    await expect(openWriter('/proc/pgbak-test/b.zip')).rejects.toMatchObject({ code: 'OUTPUT_NOT_WRITABLE' });
  });

  it('refuses to add an entry while the previous one is still being written', async () => {
    const writer = await openWriter(join(tempDir(), 'order.zip'));
    const first = writer.addStream('first', endlessSource(), { compress: true });
    await expect(writer.addBuffer('second', Buffer.from('x'), { compress: true })).rejects.toThrow(
      /while first is still being written/,
    );
    await expect(writer.finish()).rejects.toThrow(/while first is still being written/);
    const outcome = expect(first).rejects.toMatchObject({ code: 'INTERRUPTED' });
    await writer.abort();
    await outcome;
  });

  it('rejects an entry name a zip cannot hold, and can still finish', async () => {
    const writer = await openWriter(join(tempDir(), 'names.zip'));
    await expect(writer.addStream('../escape.sql', Readable.from([]), { compress: true })).rejects.toThrow();
    await writer.addBuffer('ok', Buffer.from('ok'), { compress: true });
    await writer.finish();
  });

  describe('on a full disk', () => {
    it('rejects with "no space left on device" naming the folder and destroys the source, so a paused producer cannot hang', async () => {
      const tmpfs = await mountSmallTmpfs('1m');
      if ('skipped' in tmpfs) return void console.warn(`skipped: ${tmpfs.skipped}`);
      try {
        const writer = await openWriter(join(tmpfs.dir, 'b.zip'));
        // Random bytes stored as they are: 1 MB of disk fills after about 1 MB.
        const source = new PassThrough({ highWaterMark: 64 * 1024 });
        const closed = new Promise((resolve) => source.once('close', resolve));
        const sourceError = new Promise((resolve) => source.once('error', resolve));
        const feeding = (async () => {
          for (let i = 0; i < 64 && !source.destroyed; i++) {
            if (!source.write(randomBytes(64 * 1024))) await new Promise((resolve) => (source.once('drain', resolve), source.once('close', resolve)));
          }
          source.end();
        })();
        const adding = writer.addStream('data.bin', source, { compress: false });
        await expect(adding).rejects.toMatchObject({
          code: 'OUTPUT_NOT_WRITABLE',
          message: `cannot write to ${tmpfs.dir}: no space left on device (ENOSPC)`,
        });
        const leftOpen = new Promise((_, reject) => setTimeout(() => reject(new Error('the source was left open: its producer would wait for ever')), 5000).unref());
        await Promise.race([closed, leftOpen]);
        await expect(sourceError).resolves.toMatchObject({ code: 'OUTPUT_NOT_WRITABLE' });
        await feeding;
        await writer.abort();
        expect(await readdir(tmpfs.dir)).toEqual([]);
      } finally {
        await tmpfs.unmount();
      }
    });
  });

  describe('abort', () => {
    it('removes the .partial and leaves no final file while a stream is in progress', async () => {
      const dir = tempDir();
      const writer = await openWriter(join(dir, 'b.zip'));
      const source = endlessSource();
      const adding = writer.addStream('app.sql', source, { compress: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const outcome = expect(adding).rejects.toMatchObject({ code: 'INTERRUPTED' });
      await writer.abort();
      await outcome;
      expect(source.destroyed).toBe(true);
      expect(await readdir(dir)).toEqual([]);
    });

    it('destroys the stdout of a child process that is streaming into an entry', async () => {
      const dir = tempDir();
      const child = spawn(process.execPath, ['-e', "setInterval(() => process.stdout.write('x'.repeat(4096)), 1)"], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      try {
        const writer = await openWriter(join(dir, 'b.zip'));
        const adding = writer.addStream('app.sql', child.stdout, { compress: true });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const outcome = expect(adding).rejects.toMatchObject({ code: 'INTERRUPTED' });
        await writer.abort();
        await outcome;
        expect(child.stdout.destroyed).toBe(true);
        expect(await readdir(dir)).toEqual([]);
      } finally {
        child.kill('SIGKILL');
      }
    });

    it('cleans up after a source error, which also makes finish refuse', async () => {
      const dir = tempDir();
      const writer = await openWriter(join(dir, 'b.zip'));
      const source = new PassThrough();
      const adding = writer.addStream('app.sql', source, { compress: true });
      source.write('COPY ...\n');
      setTimeout(() => source.destroy(new Error('pg_dump: error: connection lost')), 10);
      await expect(adding).rejects.toThrow('connection lost');
      await expect(writer.finish()).rejects.toThrow('connection lost');
      await writer.abort();
      expect(await readdir(dir)).toEqual([]);
    });

    it('cleans up when addFile is given a file that vanished', async () => {
      const dir = tempDir();
      const writer = await openWriter(join(dir, 'b.zip'));
      await expect(writer.addFile('pgbak.log', join(dir, 'missing.log'), { compress: true })).rejects.toThrow(/ENOENT/);
      await writer.abort();
      expect(await readdir(dir)).toEqual([]);
    });

    it('is idempotent and makes later calls fail clearly', async () => {
      const dir = tempDir();
      const writer = await openWriter(join(dir, 'b.zip'));
      await Promise.all([writer.abort(), writer.abort()]);
      await writer.abort();
      await expect(writer.addBuffer('a', Buffer.from('a'), { compress: true })).rejects.toMatchObject({
        code: 'INTERRUPTED',
      });
      await expect(writer.finish()).rejects.toMatchObject({ code: 'INTERRUPTED' });
      expect(await readdir(dir)).toEqual([]);
    });

    it('leaves a finished archive alone, even when called during finish', async () => {
      const dir = tempDir();
      const writer = await openWriter(join(dir, 'b.zip'));
      await writer.addBuffer('a', Buffer.from('a'), { compress: true });
      const finishing = writer.finish();
      await writer.abort();
      await finishing;
      await writer.abort();
      expect(await readdir(dir)).toEqual(['b.zip']);
      expect(await readEntryText(join(dir, 'b.zip'), 'a')).toBe('a');
    });
  });

  describe('into several sinks at once', () => {
    it('writes the same zip to every copy', async () => {
      const dir = tempDir();
      const tee = new TeeSink([await LocalFileSink.open(join(dir, 'a.zip')), await LocalFileSink.open(join(dir, 'b.zip'))]);
      const writer = await ZipWriter.create(tee);
      const info = await writer.addStream('app.sql', generatedSource(1024 * 1024).stream, { compress: true });
      const done = await writer.finish();
      expect(done.copies?.map((copy) => copy.location)).toEqual([join(dir, 'a.zip'), join(dir, 'b.zip')]);
      expect(sha256Of(await readFile(join(dir, 'a.zip')))).toBe(sha256Of(await readFile(join(dir, 'b.zip'))));
      const reader = await openZip(join(dir, 'b.zip'));
      try {
        expect(await verifyEntries(reader, [info])).toEqual([{ name: 'app.sql', ok: true }]);
      } finally {
        reader.close();
      }
    });

    it('rejects the entry with the failing copy\'s error, destroys its source and leaves no .partial of the other copy', async () => {
      const dir = tempDir();
      const upload = new MemorySink('s3://bucket/b.zip', { failAfter: 128 * 1024 });
      const writer = await ZipWriter.create(new TeeSink([await LocalFileSink.open(join(dir, 'b.zip')), upload]));
      const source = endlessSource();
      const closed = new Promise((resolve) => source.once('close', resolve));
      await expect(writer.addStream('app.sql', source, { compress: false })).rejects.toThrow('s3://bucket/b.zip: upload failed');
      // The source is destroyed, so that a producer paused by backpressure stops instead of waiting.
      await closed;
      await writer.abort();
      expect(await readdir(dir)).toEqual([]);
      expect(upload.finished).toBe(false);
      expect(upload.committed).toBe(false);
    });
  });

  it('passes prepare() to its sink while open, and not once it is aborted', async () => {
    const sink = new MemorySink('memory://p.zip');
    const writer = await ZipWriter.create(sink);
    writer.prepare();
    expect(sink.prepareCalls).toBe(1);
    await writer.abort();
    writer.prepare();
    expect(sink.prepareCalls).toBe(1);
  });
});
