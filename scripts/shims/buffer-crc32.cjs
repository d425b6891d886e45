// Bundled in place of the buffer-crc32 package (see scripts/bundle-cli.js): the
// same API yazl uses, computed by Node's zlib.crc32 in C (Node 20.15+; pgbak
// requires 20.19) instead of in JavaScript.
'use strict';
const { crc32 } = require('node:zlib');

function bufferCrc32(buffer, previous) {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(buffer, typeof previous === 'number' ? previous : previous ? previous.readUInt32BE(0) : 0));
  return out;
}
bufferCrc32.unsigned = (buffer, previous) => crc32(buffer, previous || 0);
bufferCrc32.signed = (buffer, previous) => crc32(buffer, previous || 0) | 0;
module.exports = bufferCrc32;
