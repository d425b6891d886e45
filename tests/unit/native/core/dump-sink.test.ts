import { PassThrough, Readable, Writable } from 'node:stream';
import { DumpSink } from '../../../../lib/engines/native/dump-sink.js';

function slowWritable(received: Buffer[]) {
  return new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      setImmediate(callback);
    },
  });
}

describe('DumpSink', () => {
  it('waits for drain when the output is full and counts every byte', async () => {
    const received: Buffer[] = [];
    const output = slowWritable(received);
    const sink = new DumpSink(output);
    let maxBuffered = 0;
    for (let i = 0; i < 50; i++) {
      await sink.write('x'.repeat(40));
      maxBuffered = Math.max(maxBuffered, output.writableLength);
    }
    expect(sink.bytes).toBe(2000);
    // Never more than one write beyond the high-water mark in memory.
    expect(maxBuffered).toBeLessThanOrEqual(40);
  });

  it('copies a readable through and leaves the output open', async () => {
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on('data', (c: Buffer) => chunks.push(c));
    const sink = new DumpSink(output);
    await sink.writeFrom(Readable.from([Buffer.from('a\n'), Buffer.from('b\n')]));
    expect(Buffer.concat(chunks).toString()).toBe('a\nb\n');
    expect(output.writableEnded).toBe(false);
  });

  it('fails instead of waiting for ever when the output is destroyed', async () => {
    const output = new Writable({ highWaterMark: 1, write: () => undefined });
    const sink = new DumpSink(output);
    const pending = sink.write('more than one byte');
    output.destroy();
    await expect(pending).rejects.toThrow(/closed before the dump was complete/);
    await expect(sink.write('x')).rejects.toThrow(/closed before the dump was complete/);
  });

  it('propagates an error of the source and stops on abort', async () => {
    const sink = new DumpSink(new PassThrough());
    const failing = new Readable({ read() { this.destroy(new Error('source broke')); } });
    await expect(sink.writeFrom(failing)).rejects.toThrow('source broke');
    const controller = new AbortController();
    const aborted = new DumpSink(new PassThrough(), controller.signal);
    controller.abort();
    await expect(aborted.write('x')).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });

  it("stops copying with the stop signal's reason and destroys the source", async () => {
    const output = new PassThrough();
    output.resume();
    const sink = new DumpSink(output);
    // Pushes a row per turn of the event loop, for ever.
    const endless = new Readable({ read() { setImmediate(() => this.push(Buffer.alloc(1024))); } });
    const stop = new AbortController();
    const copying = sink.writeFrom(endless, stop.signal);
    setImmediate(() => stop.abort(new Error('a worker failed')));

    await expect(copying).rejects.toThrow('a worker failed');
    expect(endless.destroyed).toBe(true);
    expect(output.writableEnded).toBe(false);
    await expect(sink.writeFrom(Readable.from([Buffer.from('x')]), stop.signal)).rejects.toThrow('a worker failed');
  });
});
