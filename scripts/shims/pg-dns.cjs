// Bundled in place of `dns` for pg/lib/connection-parameters.js (see scripts/bundle-cli.js).
// pg requires node:dns when it loads, for one lookup in the libpq connection string it builds
// for its native binding (pg-native, which pgbak never uses). node:dns (and the c-ares
// binding) is loaded only if that lookup ever runs; a connection to a host name still
// resolves it through net, which loads node:dns itself then.
'use strict';

module.exports = {
  lookup(...args) {
    return require('dns').lookup(...args);
  },
};
