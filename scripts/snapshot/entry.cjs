// The entry of pgbak's V8 startup snapshot (scripts/build-snapshot.js builds it into
// dist/snapshot/, bin/pgbak starts Node from it). What it holds: Node's own modules the CLI
// bundle requires at every start, already loaded (~25 ms of CPU a start: BENCHMARKS.md,
// "startup snapshot"). Nothing of pgbak is in it: the deserialized process runs bin/pgbak.js
// from disk, which loads the bundle as a start without the snapshot does (V8's code cache).
// So the snapshot holds no state of a run (environment, arguments, working folder, time,
// random seeds, handles, a logger): only modules whose loading reads none of that. Only the
// modules Node verifies for snapshots (no "not yet fully verified" warning on Node 20 or 26):
// child_process, tty, readline, vm and dgram are left to load at start as before.
'use strict';
for (const id of ['stream', 'stream/promises', 'zlib', 'os', 'fs/promises', 'crypto', 'net', 'timers/promises', 'v8', 'diagnostics_channel', 'string_decoder', 'util/types']) {
  require(`node:${id}`);
}

require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  // bin/pgbak passes the launcher script as the first argument, where Node puts a script's
  // path: process.argv is then what `node bin/pgbak.js …` gives.
  const launcher = process.argv[1];
  require('node:module').createRequire(launcher)(launcher);
});
