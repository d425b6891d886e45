import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LocalFileSink, TeeSink } from '../../../lib/storage/index.js';
import { generatedSource, sha256Of, useTempDir } from '../archive/support.js';
import { MemorySink } from './memory-sink.js';

const tempDir = useTempDir();

function endless(): Readable {
  return new Readable({
    read() {
      setTimeout(() => this.push(Buffer.alloc(16 * 1024, 'x')), 1);
    },
  });
}

describe('TeeSink', () => {
  it('writes the same bytes to every copy through pipeline() and commits them all', async () => {
    const dir = tempDir();
    const a = await LocalFileSink.open(join(dir, 'a', 'b.zip'));
    const b = await LocalFileSink.open(join(dir, 'b', 'b.zip'));
    const tee = new TeeSink([a, b]);
    const finished: string[] = [];
    tee.writable.on('finish', () => finished.push('finish'));
    const source = generatedSource(2 * 1024 * 1024);
    await pipeline(source.stream, tee.writable);
    expect(await readdir(join(dir, 'a'))).toEqual(['b.zip.partial']);

    const committed = await tee.commit();

    const sha256 = source.sha256();
    expect(sha256Of(await readFile(join(dir, 'a', 'b.zip')))).toBe(sha256);
    expect(sha256Of(await readFile(join(dir, 'b', 'b.zip')))).toBe(sha256);
    expect(committed).toEqual({
      location: `${join(dir, 'a', 'b.zip')}, ${join(dir, 'b', 'b.zip')}`,
      bytes: 2 * 1024 * 1024,
      sha256,
      copies: [
        { location: join(dir, 'a', 'b.zip'), bytes: 2 * 1024 * 1024, sha256 },
        { location: join(dir, 'b', 'b.zip'), bytes: 2 * 1024 * 1024, sha256 },
      ],
    });
    expect(finished).toEqual(['finish']);
  });

  it('goes at the pace of the slowest copy: the fast one is never far ahead of it', async () => {
    const dir = tempDir();
    const fast = await LocalFileSink.open(join(dir, 'fast.zip'));
    let maxAhead = 0;
    const slow = new MemorySink('slow', {
      delayMs: 2,
      onWrite: (received) => (maxAhead = Math.max(maxAhead, fast.writable.bytesWritten - received)),
    });
    const tee = new TeeSink([fast, slow]);
    const total = 4 * 1024 * 1024;
    await pipeline(generatedSource(total, 64 * 1024).stream, tee.writable);
    await tee.commit();
    expect(slow.received).toBe(total);
    // Only the streams' buffers (tens of KiB) lie between the two; without backpressure
    // the fast copy would be megabytes ahead while the slow one's queue grew in memory.
    expect(maxAhead).toBeLessThan(512 * 1024);
  });

  it('fails as one when a copy fails: the tee errors, the other copy is aborted and its .partial removed', async () => {
    const dir = tempDir();
    const local = await LocalFileSink.open(join(dir, 'b.zip'));
    const upload = new MemorySink('s3://bucket/b.zip', { failAfter: 256 * 1024 });
    const tee = new TeeSink([local, upload]);
    const source = endless();
    await expect(pipeline(source, tee.writable)).rejects.toThrow('s3://bucket/b.zip: upload failed');
    expect(source.destroyed).toBe(true);
    await expect(tee.commit()).rejects.toThrow('upload failed');
    await tee.abort();
    expect(await readdir(dir)).toEqual([]);
    expect(upload.committed).toBe(false);
  });

  it('hands a failure to every copy as an error, never as an end (an upload would complete a truncated object)', async () => {
    const dir = tempDir();
    const local = await LocalFileSink.open(join(dir, 'b.zip'));
    const upload = new MemorySink('s3://bucket/b.zip');
    const tee = new TeeSink([local, upload]);
    const source = endless();
    const piping = pipeline(source, tee.writable);
    const outcome = expect(piping).rejects.toThrow('pg_dump exited with code 1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    source.destroy(new Error('pg_dump exited with code 1'));
    await outcome;
    await tee.abort();
    expect(upload.finished).toBe(false);
    expect(upload.destroyedWith).toBeInstanceOf(Error);
    expect(upload.abortCalls).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('aborts every copy when its writable is destroyed without an error', async () => {
    const dir = tempDir();
    const local = await LocalFileSink.open(join(dir, 'b.zip'));
    const upload = new MemorySink('s3://bucket/b.zip');
    const tee = new TeeSink([local, upload]);
    tee.writable.write('half');
    tee.writable.destroy();
    await expect(tee.commit()).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(upload.finished).toBe(false);
    expect(upload.destroyedWith).toMatchObject({ code: 'INTERRUPTED' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('when one commit fails, aborts the copies not committed yet and says which copies are complete and which are gone', async () => {
    const dir = tempDir();
    const first = await LocalFileSink.open(join(dir, 'first.zip'));
    const failing = new MemorySink('s3://bucket/b.zip', {
      failCommit: Object.assign(new Error('CompleteMultipartUpload: InternalError'), { code: 'ignored' }),
    });
    const last = await LocalFileSink.open(join(dir, 'last.zip'));
    const tee = new TeeSink([first, failing, last]);
    await pipeline(Readable.from([Buffer.from('a whole archive')]), tee.writable);

    await expect(tee.commit()).rejects.toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
      message: `s3://bucket/b.zip: CompleteMultipartUpload: InternalError (complete: ${join(dir, 'first.zip')}; aborted: ${join(dir, 'last.zip')})`,
    });
    expect(await readdir(dir)).toEqual(['first.zip']);
    await tee.abort();
    expect(await readdir(dir)).toEqual(['first.zip']);
  });

  it('abort() aborts every copy, is idempotent, and leaves a committed tee alone', async () => {
    const dir = tempDir();
    const upload = new MemorySink('s3://bucket/b.zip');
    const tee = new TeeSink([await LocalFileSink.open(join(dir, 'b.zip')), upload]);
    const piping = pipeline(endless(), tee.writable);
    const outcome = expect(piping).rejects.toThrow('SIGINT');
    await Promise.all([tee.abort(new Error('SIGINT')), tee.abort()]);
    await outcome;
    expect(upload.destroyedWith).toMatchObject({ message: 'SIGINT' });
    expect(await readdir(dir)).toEqual([]);

    const done = new TeeSink([await LocalFileSink.open(join(dir, 'c.zip'))]);
    done.writable.end('x');
    await done.commit();
    await done.abort();
    expect(await readdir(dir)).toEqual(['c.zip']);
  });

  it('passes prepare() on to every copy (an upload behind it gets ready while pg_dump starts)', async () => {
    const a = new MemorySink('memory://a.zip');
    const b = new MemorySink('memory://b.zip');
    const tee = new TeeSink([a, b]);
    tee.prepare();
    expect([a.prepareCalls, b.prepareCalls]).toEqual([1, 1]);
    await tee.abort();
  });
});
