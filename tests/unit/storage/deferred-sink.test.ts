import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DeferredSink, LocalFileSink, type ArchiveSink } from '../../../lib/storage/index.js';
import { generatedSource, sha256Of, useTempDir } from '../archive/support.js';
import { MemorySink } from './memory-sink.js';

const tempDir = useTempDir();

/** A DeferredSink over `open`, counting how often it was opened. */
function deferred(open: () => Promise<ArchiveSink>) {
  const calls = { opened: 0 };
  const sink = new DeferredSink('memory://x.zip', () => {
    calls.opened++;
    return open();
  });
  return { sink, calls };
}

describe('DeferredSink', () => {
  it('opens the sink behind at the first byte, not before, and commits what it committed', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.zip');
    const { sink, calls } = deferred(() => LocalFileSink.open(path));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.opened).toBe(0);
    expect(await readdir(dir)).toEqual([]);

    const source = generatedSource(3 * 1024 * 1024);
    await pipeline(source.stream, sink.writable);
    const committed = await sink.commit();
    const sha256 = source.sha256();

    expect(calls.opened).toBe(1);
    expect(committed).toEqual({ location: path, bytes: 3 * 1024 * 1024, sha256 });
    expect(sha256Of(await readFile(path))).toBe(sha256);
    expect(await readdir(dir)).toEqual(['a.zip']);
  });

  it('opens at its end when no byte came, and commits an empty archive', async () => {
    const dir = tempDir();
    const path = join(dir, 'empty.zip');
    const { sink, calls } = deferred(() => LocalFileSink.open(path));
    const committed = await sink.commit();
    expect(calls.opened).toBe(1);
    expect(committed.bytes).toBe(0);
    expect((await readFile(path)).length).toBe(0);
  });

  it('fails the writing with the error of opening, and commit rejects with it; nothing is left', async () => {
    const refused = new Error('the store refused: NoSuchBucket');
    const { sink } = deferred(() => Promise.reject(refused));
    await expect(pipeline(generatedSource(1024 * 1024).stream, sink.writable)).rejects.toBe(refused);
    await expect(sink.commit()).rejects.toThrow(/aborted|refused/);
  });

  it('never opens the sink behind when aborted before any byte', async () => {
    const { sink, calls } = deferred(async () => new MemorySink('memory://x.zip'));
    await sink.abort(new Error('SIGTERM'));
    expect(calls.opened).toBe(0);
    expect(sink.writable.destroyed).toBe(true);
  });

  it('aborts, with an error and never an early end, a sink that opened after the abort', async () => {
    const behind = new MemorySink('memory://x.zip');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { sink } = deferred(async () => {
      await gate;
      return behind;
    });
    sink.writable.on('error', () => undefined);
    sink.writable.write(Buffer.alloc(1024));
    const aborting = sink.abort(new Error('pg_dump exited with 1'));
    release();
    await aborting;
    await new Promise((resolve) => setImmediate(resolve));
    expect(behind.abortCalls).toBe(1);
    expect(behind.finished).toBe(false);
    expect(behind.received).toBe(0);
  });

  it('fails as the sink behind fails mid-way: the writer stops with its error and the sink behind is aborted', async () => {
    const behind = new MemorySink('memory://x.zip', { failAfter: 512 * 1024 });
    const { sink } = deferred(async () => behind);
    await expect(pipeline(generatedSource(2 * 1024 * 1024).stream, sink.writable)).rejects.toThrow('memory://x.zip: upload failed');
    await expect(sink.commit()).rejects.toThrow('upload failed');
    expect(behind.abortCalls).toBe(1);
    expect(behind.committed).toBe(false);
    expect(behind.finished).toBe(false);
  });

  it('opens the sink behind at prepare(), before any byte, and once only (the SDK loads while pg_dump starts)', async () => {
    const dir = tempDir();
    const path = join(dir, 'p.zip');
    const { sink, calls } = deferred(() => LocalFileSink.open(path));
    sink.prepare();
    sink.prepare();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.opened).toBe(1);
    const source = generatedSource(1024 * 1024);
    await pipeline(source.stream, sink.writable);
    expect((await sink.commit()).sha256).toBe(source.sha256());
    expect(calls.opened).toBe(1);
  });

  it('aborts what prepare() opened when the run fails before any byte: nothing is left, the sink behind saw no end', async () => {
    const behind = new MemorySink('memory://x.zip');
    const { sink, calls } = deferred(async () => behind);
    sink.prepare();
    await new Promise((resolve) => setImmediate(resolve));
    await sink.abort(new Error('pg_dump exited with 1'));
    expect(calls.opened).toBe(1);
    expect(behind.abortCalls).toBe(1);
    expect(behind.finished).toBe(false);
    expect(behind.committed).toBe(false);
  });

  it('reports a failure to open at prepare() as the writing\'s error, and opens nothing after an abort', async () => {
    const refused = new Error('the store refused: NoSuchBucket');
    const failing = deferred(() => Promise.reject(refused));
    failing.sink.prepare();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(pipeline(generatedSource(1024).stream, failing.sink.writable)).rejects.toBe(refused);
    await expect(failing.sink.commit()).rejects.toThrow(/aborted|refused/);

    const { sink, calls } = deferred(async () => new MemorySink('memory://x.zip'));
    await sink.abort(new Error('SIGTERM'));
    sink.prepare();
    expect(calls.opened).toBe(0);
  });
});
