// What scripts/build-snapshot.js runs in a Node started from a new blob, as bin/pgbak runs
// bin/pgbak.js in one: the blob is kept only when this prints what it should.
'use strict';
process.stdout.write(`pgbak startup snapshot: ${process.version} ${process.argv.slice(2).join(' ')}\n`);
