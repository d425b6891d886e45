import { PassThrough, Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createHashCounter } from '../../../lib/archive/hash-stream.js';
import { generatedSource, sha256Of } from './support.js';

function collect(): { sink: Writable; data: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { sink, data: () => Buffer.concat(chunks) };
}

describe('createHashCounter', () => {
  it('passes bytes through unchanged and reports their sha256 and count', async () => {
    const input = Buffer.from('hello, pgbak\n'.repeat(1000));
    const counter = createHashCounter();
    const { sink, data } = collect();
    await pipeline(Readable.from([input.subarray(0, 7), input.subarray(7)]), counter, sink);
    expect(data().equals(input)).toBe(true);
    expect(counter.digest()).toEqual({ bytes: input.length, sha256: sha256Of(input) });
  });

  it('reports the digest of empty input', async () => {
    const counter = createHashCounter();
    await pipeline(Readable.from([]), counter, collect().sink);
    expect(counter.digest()).toEqual({ bytes: 0, sha256: sha256Of('') });
  });

  it('refuses to report a digest before the stream ended', () => {
    const counter = createHashCounter();
    counter.write(Buffer.from('partial'));
    expect(() => counter.digest()).toThrow(/before the stream ended/);
    counter.destroy();
  });

  it('ends once', async () => {
    const counter = createHashCounter();
    let ends = 0;
    counter.on('end', () => ends++);
    counter.resume();
    counter.end(Buffer.from('abc'));
    await finished(counter);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ends).toBe(1);
  });

  it('propagates a source error through pipeline()', async () => {
    const source = new PassThrough();
    const counter = createHashCounter();
    const done = pipeline(source, counter, collect().sink);
    source.write('some bytes');
    source.destroy(new Error('pg_dump stdout broke'));
    await expect(done).rejects.toThrow('pg_dump stdout broke');
    expect(counter.destroyed).toBe(true);
    expect(() => counter.digest()).toThrow();
  });

  it('propagates a destination error back to the source', async () => {
    const source = new PassThrough();
    const counter = createHashCounter();
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('disk full'));
      },
    });
    const done = pipeline(source, counter, sink);
    source.write('x');
    await expect(done).rejects.toThrow('disk full');
    expect(source.destroyed).toBe(true);
  });

  it('cleans up when destroyed mid-stream and never reports a digest', async () => {
    const counter = createHashCounter();
    counter.write(Buffer.from('half a dump'));
    counter.destroy();
    await expect(finished(counter)).rejects.toThrow(/premature close/i);
    expect(counter.destroyed).toBe(true);
    expect(() => counter.digest()).toThrow();
  });

  it('honours backpressure: a slow reader keeps the producer close behind it', async () => {
    let maxAhead = 0;
    let consumed = 0;
    const source = generatedSource(8 * 1024 * 1024, 64 * 1024, (produced) => {
      maxAhead = Math.max(maxAhead, produced - consumed);
    });
    const counter = createHashCounter();
    const slowSink = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        consumed += chunk.length;
        setImmediate(callback);
      },
    });
    await pipeline(source.stream, counter, slowSink);
    expect(counter.digest()).toEqual({ bytes: 8 * 1024 * 1024, sha256: source.sha256() });
    // A handful of 64 KiB chunks in the buffers between the streams, never the whole 8 MiB.
    expect(maxAhead).toBeLessThan(1024 * 1024);
  });
});
