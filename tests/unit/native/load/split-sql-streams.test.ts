// Stream compliance of the splitter and of a COPY block's data stream: ends once,
// errors propagate, works with pipeline(), cleans up when destroyed or abandoned,
// and reads the source only as fast as the data is consumed.
import { once } from 'node:events';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { splitSql, type SqlItem } from '../../../../lib/sql/script/split-sql.js';
import { newStats, sourceOf } from './support.js';

const ROW = 'id\tsome text; with \'quotes\' and "more"\t\\N\n';

/** `COPY t FROM stdin;` + rows generated on demand in chunks of `chunk` bytes, then `\.` and one statement. */
class CopyScript extends Readable {
  produced = 0;
  private sentRows = 0;
  private readonly rowsPerChunk: number;

  constructor(private readonly rows: number, chunk = 64 * 1024) {
    super({ highWaterMark: chunk });
    this.rowsPerChunk = Math.max(1, Math.floor(chunk / ROW.length));
  }

  override _read(): void {
    let text = '';
    if (this.sentRows === 0 && this.produced === 0) text += 'COPY t (a, b, c) FROM stdin;\n';
    const n = Math.min(this.rowsPerChunk, this.rows - this.sentRows);
    text += ROW.repeat(n);
    this.sentRows += n;
    if (this.sentRows >= this.rows) text += '\\.\nSELECT 1;\n';
    const chunk = Buffer.from(text);
    this.produced += chunk.length;
    this.push(chunk);
    if (this.sentRows >= this.rows) this.push(null);
  }
}

async function firstItem(iterator: AsyncGenerator<SqlItem>): Promise<SqlItem> {
  const next = await iterator.next();
  if (next.done) throw new Error('no item');
  return next.value;
}

describe('splitSql COPY data stream', () => {
  it('ends exactly once and closes once, and works with pipeline()', async () => {
    const items = splitSql(new CopyScript(1000));
    const copy = await firstItem(items);
    expect(copy.type).toBe('copy');
    if (copy.type !== 'copy') return;
    let ends = 0;
    let closes = 0;
    copy.data.on('end', () => ends++);
    copy.data.on('close', () => closes++);
    let bytes = 0;
    await pipeline(
      copy.data,
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          callback();
        },
      }),
    );
    await sleep(10);
    expect({ ends, closes, bytes }).toEqual({ ends: 1, closes: 1, bytes: ROW.length * 1000 });
    expect((await firstItem(items))).toEqual({ type: 'statement', sql: 'SELECT 1;', line: 1003 });
    expect((await items.next()).done).toBe(true);
  });

  it('passes a source error to the data stream, to pipeline() and to the iteration', async () => {
    const source = new PassThrough();
    const items = splitSql(source);
    source.write('COPY t FROM stdin;\n1\n2\n');
    const copy = await firstItem(items);
    if (copy.type !== 'copy') throw new Error('expected a copy');
    const sink = new PassThrough();
    sink.resume();
    const piped = pipeline(copy.data, sink);
    await sleep(10);
    source.destroy(new Error('disk on fire'));
    await expect(piped).rejects.toThrow('disk on fire');
    expect(copy.data.destroyed).toBe(true);
    await expect(items.next()).rejects.toThrow(/disk on fire|ends inside COPY data/);
  });

  it('passes a source error met between statements to the iteration, and ends it', async () => {
    const source = new PassThrough();
    const items = splitSql(source);
    source.write('SELECT 1;\nSELECT ');
    expect(await firstItem(items)).toMatchObject({ sql: 'SELECT 1;' });
    const pending = items.next();
    source.destroy(new Error('read failed'));
    await expect(pending).rejects.toThrow('read failed');
    expect((await items.next()).done).toBe(true);
  });

  it('skips the rest of a COPY whose data stream was destroyed, and goes on after its \\. line', async () => {
    const script = new CopyScript(20_000, 4096);
    const items = splitSql(script);
    const copy = await firstItem(items);
    if (copy.type !== 'copy') throw new Error('expected a copy');
    const first = await new Promise<Buffer>((resolve) => copy.data.once('data', resolve));
    expect(first.length).toBeGreaterThan(0);
    copy.data.destroy();
    expect(await firstItem(items)).toEqual({ type: 'statement', sql: 'SELECT 1;', line: 20_003 });
  });

  it('skips a COPY whose data was never read', async () => {
    const items = splitSql(sourceOf([Buffer.from('COPY t FROM stdin;\n1\n2\n\\.\nSELECT 2;')]));
    expect((await firstItem(items)).type).toBe('copy');
    expect(await firstItem(items)).toEqual({ type: 'statement', sql: 'SELECT 2;', line: 5 });
  });

  it('destroys the data stream and the source when the iteration stops in the middle of a COPY', async () => {
    const script = new CopyScript(100_000, 4096);
    const items = splitSql(script);
    const copy = await firstItem(items);
    if (copy.type !== 'copy') throw new Error('expected a copy');
    const sink = new PassThrough({ highWaterMark: 1024 });
    const piped = pipeline(copy.data, sink);
    await once(sink, 'readable');
    await items.return(undefined);
    await expect(piped).rejects.toThrow(/premature close/i);
    expect(copy.data.destroyed).toBe(true);
    expect(script.destroyed).toBe(true);
  });

  it('stops at once when the iteration ends while a COPY waits on a stalled source', async () => {
    const stalled = new Readable({ read() {} });
    stalled.push('COPY t FROM stdin;\n1\n');
    const items = splitSql(stalled);
    const copy = await firstItem(items);
    if (copy.type !== 'copy') throw new Error('expected a copy');
    copy.data.resume();
    await sleep(20);
    // A stalled source must not hold up the end of the iteration (return() queued behind next()).
    // The guard's timer is cancelled once return() settles: left pending, it kept the Jest
    // worker alive for 2 s after the file ("A worker process has failed to exit gracefully").
    const guard = new AbortController();
    const hung = sleep(2000, undefined, { signal: guard.signal }).then(() => Promise.reject(new Error('return() hung')));
    try {
      await Promise.race([items.return(undefined), hung]);
    } finally {
      guard.abort();
    }
    expect(stalled.destroyed).toBe(true);
    expect(copy.data.destroyed).toBe(true);
  });

  it('destroys the source when the consumer stops between statements', async () => {
    const source = new PassThrough();
    source.write('SELECT 1;\nSELECT 2;\n');
    for await (const item of splitSql(source)) {
      expect(item).toMatchObject({ sql: 'SELECT 1;' });
      break;
    }
    expect(source.destroyed).toBe(true);
  });

  it('reads the source no faster than a slow consumer takes the data (backpressure)', async () => {
    const chunk = 16 * 1024;
    const script = new CopyScript(50_000, chunk);
    const stats = newStats();
    const items = splitSql(script, { stats });
    const copy = await firstItem(items);
    if (copy.type !== 'copy') throw new Error('expected a copy');
    let consumed = 0;
    let worstAhead = 0;
    await pipeline(
      copy.data,
      new Writable({
        highWaterMark: 1024,
        write(data: Buffer, _encoding, callback) {
          consumed += data.length;
          worstAhead = Math.max(worstAhead, stats.bytesRead - consumed);
          // Slow: a consumer that takes a while now and then.
          if (consumed % 7 === 0) setTimeout(callback, 1);
          else setImmediate(callback);
        },
      }),
    );
    // What was read but not yet consumed: the chunk being sliced plus the data stream's small
    // buffer. (A Readable's iterator hands out what it has buffered as one chunk, up to its
    // highWaterMark plus one push: a "chunk" of the source is up to ~3 of ours.)
    expect(worstAhead).toBeLessThanOrEqual(6 * chunk);
    expect(stats.maxBufferedBytes).toBeLessThanOrEqual(4 * chunk);
    await items.return(undefined);
  });

  it('holds one chunk at a time for a large COPY: 64 MiB through with under 256 KiB held', async () => {
    const rows = Math.ceil((64 * 1024 * 1024) / ROW.length);
    const stats = newStats();
    let bytes = 0;
    for await (const item of splitSql(new CopyScript(rows), { stats })) {
      if (item.type === 'copy') for await (const data of item.data) bytes += (data as Buffer).length;
    }
    expect(bytes).toBe(rows * ROW.length);
    expect(stats.bytesRead).toBeGreaterThan(64 * 1024 * 1024);
    expect(stats.maxBufferedBytes).toBeLessThan(256 * 1024);
  });
});
