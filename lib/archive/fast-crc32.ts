import { createRequire } from 'node:module';
import zlib from 'node:zlib';

// yazl computes every entry's CRC-32 with the buffer-crc32 package, in
// JavaScript: on a 600 MB dump that was a third of pgbak's CPU time. Node 20.15+
// has zlib.crc32 in C with the same contract (unsigned result, running value as
// the second argument). The bundled CLI swaps the package at build time
// (scripts/shims/buffer-crc32.cjs); for the library, yazl's `crc32.unsigned` is
// pointed at zlib's here — yazl looks it up on every call, on the one module
// object it required.
try {
  const require = createRequire(import.meta.url);
  const yazlCrc32 = require(require.resolve('buffer-crc32', { paths: [require.resolve('yazl')] })) as {
    unsigned: (buffer: Buffer, previous?: number) => number;
  };
  yazlCrc32.unsigned = (buffer: Buffer, previous?: number) => zlib.crc32(buffer, previous ?? 0);
} catch {
  // Not resolvable (a bundled copy): the JavaScript CRC-32 stays, correct if slower.
}
