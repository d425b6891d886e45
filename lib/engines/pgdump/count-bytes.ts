import { Transform, type TransformCallback } from 'node:stream';

/**
 * The size the chunks of a tool's output are gathered to. pg_dump writes through stdio in
 * 4–8 KiB pieces, and a pipe read returns what is there: ~10 KiB on average, ~49,000 reads for
 * a 489 MiB dump. Every chunk costs the same on its way (progress, sha256, the zip's CRC-32
 * and its streams, the sink) whatever its size, so gathering them into 64 KiB takes a fifth of
 * the CPU time pgbak spends on an uncompressed dump (BENCHMARKS.md, 2026-12-05 morning). Larger
 * chunks save a little more CPU but leave more garbage for V8 to free (bin/pgbak.js).
 */
export const GATHER_BYTES = 64 * 1024;

/**
 * Passes the bytes through unchanged and in order and reports the running total (for
 * progress, as each piece arrives). Pieces smaller than `gatherBytes` are gathered (copied)
 * into one chunk of at least that size before they go on; the rest goes on at the end.
 */
export function createByteCounter(onBytes: (total: number) => void, gatherBytes = GATHER_BYTES): Transform {
  let total = 0;
  let held: Buffer[] = [];
  let heldBytes = 0;
  const release = (): Buffer => {
    const chunk = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    return chunk;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      total += chunk.length;
      onBytes(total);
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes < gatherBytes) callback();
      else callback(null, release());
    },
    flush(callback: TransformCallback) {
      callback(null, heldBytes > 0 ? release() : undefined);
    },
  });
}
