import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LocalFileSink } from '../../../lib/storage/index.js';
import { mountSmallTmpfs } from '../../support/small-tmpfs.js';
import { generatedSource, useTempDir } from '../archive/support.js';

const tempDir = useTempDir();

function countEvents(sink: LocalFileSink): Record<'finish' | 'close' | 'error', number> {
  const counts = { finish: 0, close: 0, error: 0 };
  for (const event of ['finish', 'close', 'error'] as const) sink.writable.on(event, () => counts[event]++);
  return counts;
}

describe('LocalFileSink', () => {
  it('writes through pipeline() into <name>.partial and shows the final name only after commit', async () => {
    const dir = tempDir();
    const sink = await LocalFileSink.open(join(dir, 'b.zip'));
    const counts = countEvents(sink);
    const source = generatedSource(3 * 1024 * 1024);
    await pipeline(source.stream, sink.writable);
    expect(await readdir(dir)).toEqual(['b.zip.partial']);

    const committed = await sink.commit();

    // The sha256 is of the bytes as they went to the file.
    expect(committed).toEqual({ location: join(dir, 'b.zip'), bytes: 3 * 1024 * 1024, sha256: source.sha256() });
    expect(await readdir(dir)).toEqual(['b.zip']);
    expect((await stat(join(dir, 'b.zip'))).mode & 0o777).toBe(0o600);
    expect(counts).toEqual({ finish: 1, close: 1, error: 0 });
  });

  it('ends the writable itself when commit() comes before an end, and ends it once', async () => {
    const dir = tempDir();
    const sink = await LocalFileSink.open(join(dir, 'b.zip'));
    const counts = countEvents(sink);
    sink.writable.write('hello ');
    sink.writable.write('world');
    await sink.commit();
    expect(await readFile(join(dir, 'b.zip'), 'utf8')).toBe('hello world');
    expect(counts).toEqual({ finish: 1, close: 1, error: 0 });
  });

  it('passes a source error through pipeline() and removes the .partial', async () => {
    const dir = tempDir();
    const sink = await LocalFileSink.open(join(dir, 'b.zip'));
    const source = new PassThrough();
    source.write(randomBytes(1024));
    setTimeout(() => source.destroy(new Error('pg_dump: error: connection lost')), 10);
    await expect(pipeline(source, sink.writable)).rejects.toThrow('connection lost');
    await expect(sink.commit()).rejects.toThrow('connection lost');
    expect(await readdir(dir)).toEqual([]);
  });

  it('cleans up when its writable is destroyed before the end, with or without an error', async () => {
    for (const reason of [undefined, new Error('upstream failed')]) {
      const dir = tempDir();
      const sink = await LocalFileSink.open(join(dir, `b-${reason ? 'error' : 'plain'}.zip`));
      sink.writable.write('half an archive');
      sink.writable.destroy(reason);
      await expect(sink.commit()).rejects.toThrow(reason?.message ?? 'aborted');
      expect((await readdir(dir)).filter((name) => name.startsWith(`b-${reason ? 'error' : 'plain'}`))).toEqual([]);
    }
  });

  it('abort() stops the writer with its reason, removes the .partial and is idempotent', async () => {
    const dir = tempDir();
    const sink = await LocalFileSink.open(join(dir, 'b.zip'));
    const endless = new Readable({ read() { setTimeout(() => this.push(Buffer.alloc(16 * 1024, 'x')), 1); } });
    const piping = pipeline(endless, sink.writable);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const outcome = expect(piping).rejects.toThrow('SIGTERM');
    await Promise.all([sink.abort(new Error('SIGTERM')), sink.abort()]);
    await sink.abort();
    await outcome;
    expect(endless.destroyed).toBe(true);
    expect(await readdir(dir)).toEqual([]);
    await expect(sink.commit()).rejects.toThrow(/aborted/);
  });

  it('abort() leaves a committed archive alone, also when it comes during commit()', async () => {
    const dir = tempDir();
    const sink = await LocalFileSink.open(join(dir, 'b.zip'));
    sink.writable.end('done');
    const committing = sink.commit();
    await sink.abort();
    await committing;
    await sink.abort();
    expect(await readFile(join(dir, 'b.zip'), 'utf8')).toBe('done');
  });

  it('refuses a .partial that is already there (a symlink) and leaves it and its target alone', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'victim'), 'not pgbak\'s');
    await symlink(join(dir, 'victim'), join(dir, 'b.zip.partial'));
    await expect(LocalFileSink.open(join(dir, 'b.zip'))).rejects.toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
      message: `cannot write to ${join(dir, 'b.zip.partial')}: already exists (EEXIST)`,
    });
    expect((await lstat(join(dir, 'b.zip.partial'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'victim'), 'utf8')).toBe('not pgbak\'s');
    expect(existsSync(join(dir, 'b.zip'))).toBe(false);
  });

  it('errors with "no space left on device" naming the folder when the disk fills, and removes the .partial', async () => {
    const tmpfs = await mountSmallTmpfs('1m');
    if ('skipped' in tmpfs) return void console.warn(`skipped: ${tmpfs.skipped}`);
    try {
      const sink = await LocalFileSink.open(join(tmpfs.dir, 'b.zip'));
      const expected = { code: 'OUTPUT_NOT_WRITABLE', message: `cannot write to ${tmpfs.dir}: no space left on device (ENOSPC)` };
      await expect(pipeline(generatedSource(4 * 1024 * 1024).stream, sink.writable)).rejects.toMatchObject(expected);
      await expect(sink.commit()).rejects.toMatchObject(expected);
      expect(await readdir(tmpfs.dir)).toEqual([]);
    } finally {
      await tmpfs.unmount();
    }
  });
});
