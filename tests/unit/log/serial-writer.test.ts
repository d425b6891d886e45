import { Writable } from 'node:stream';
import { createSerialWriter } from '../../../lib/log/serial-writer.js';

function slowSink() {
  const written: unknown[] = [];
  let inFlight = 0;
  let peak = 0;
  const stream = new Writable({
    objectMode: true,
    write(chunk, _encoding, callback) {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        written.push(chunk);
        inFlight -= 1;
        callback();
      }, 1);
    },
    writev(chunks, _callback) {
      throw new Error(`batched ${chunks.length} chunks`);
    },
  });
  return { stream, written, peak: () => peak };
}

describe('createSerialWriter', () => {
  it('hands chunks over one at a time, so the stream never sees a batch', async () => {
    const sink = slowSink();
    const writer = createSerialWriter(sink.stream);
    for (let i = 0; i < 50; i += 1) writer.write({ i });
    await writer.end();
    expect(sink.written).toEqual(Array.from({ length: 50 }, (_, i) => ({ i })));
    expect(sink.peak()).toBe(1);
  });

  it('resolves end() only once the stream has finished', async () => {
    const sink = slowSink();
    const writer = createSerialWriter(sink.stream);
    writer.write('a');
    await writer.end();
    expect(sink.stream.writableFinished).toBe(true);
  });

  it('resolves end() on an idle writer and on a stream that failed', async () => {
    await createSerialWriter(slowSink().stream).end();
    const failing = new Writable({ write: (_chunk, _encoding, callback) => callback(new Error('disk full')) });
    failing.on('error', () => {});
    const writer = createSerialWriter(failing);
    writer.write('a');
    writer.write('b');
    await expect(writer.end()).resolves.toBeUndefined();
  });
});
