import { finished } from 'node:stream/promises';
import { createByteCounter, GATHER_BYTES } from '../../../lib/engines/pgdump/count-bytes.js';

// pg_dump's output reaches pgbak in pipe reads of a few KiB; the counter gathers them into
// larger chunks before the zip (each chunk costs the same on its way, whatever its size).
async function passThrough(pieces: Buffer[], gatherBytes?: number): Promise<{ out: Buffer[]; totals: number[] }> {
  const totals: number[] = [];
  const counter = createByteCounter((total) => totals.push(total), gatherBytes);
  const out: Buffer[] = [];
  counter.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = finished(counter);
  for (const piece of pieces) counter.write(piece);
  counter.end();
  await ended;
  return { out, totals };
}

function pieces(sizes: number[]): Buffer[] {
  let n = 0;
  return sizes.map((size) => Buffer.from(Array.from({ length: size }, () => n++ % 251)));
}

describe('the pg_dump byte counter', () => {
  it('gathers small pipe reads into chunks of at least the gather size, bytes unchanged and in order, the rest at the end', async () => {
    const input = pieces([4096, 8192, 4096, 8192, 4096, 8192, 4096, 8192, 4096, 100]);
    const { out, totals } = await passThrough(input, 16 * 1024);
    expect(Buffer.concat(out)).toEqual(Buffer.concat(input));
    expect(out.map((chunk) => chunk.length)).toEqual([16384, 20480, 16384, 100]);
    // Progress hears every piece as it arrives, not only the gathered chunks.
    expect(totals).toHaveLength(input.length);
    expect(totals.at(-1)).toBe(Buffer.concat(input).length);
  });

  it('passes a piece as large as the gather size on as it is (no copy)', async () => {
    const [big] = pieces([GATHER_BYTES]);
    const { out } = await passThrough([big!]);
    expect(out).toHaveLength(1);
    expect(out[0]!.buffer).toBe(big!.buffer);
  });

  it('an output smaller than the gather size goes on whole at the end; no output, no chunk', async () => {
    const input = pieces([10, 20]);
    expect((await passThrough(input)).out).toEqual([Buffer.concat(input)]);
    expect((await passThrough([])).out).toEqual([]);
  });
});
