import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through unchanged and reports the running total (for progress). */
export function createByteCounter(onBytes: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      total += chunk.length;
      onBytes(total);
      callback(null, chunk);
    },
  });
}
