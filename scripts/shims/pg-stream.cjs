// Bundled in place of pg/lib/stream.js (see scripts/bundle-cli.js): the Node.js half of it.
// pg asks at load time whether it runs in a Cloudflare Worker; on Node 20, which has no
// global `navigator`, it finds out by constructing a `Response`, and that loads Node's
// fetch implementation (undici): 10–20 ms of every pgbak start, for a socket pgbak then
// opens with `net` as always. pg 8.x's own Node.js functions, unchanged.
'use strict';

module.exports = {
  getStream(_ssl) {
    const net = require('net');
    return new net.Socket();
  },
  getSecureStream(options) {
    const tls = require('tls');
    return tls.connect(options);
  },
};
