// The entry of pgbak's V8 startup snapshot (scripts/build-snapshot.js builds it into
// dist/snapshot/, bin/pgbak starts Node from it). What it holds: Node's own modules the CLI
// bundle requires at every start, already loaded (BENCHMARKS.md, "startup snapshot"). Nothing
// of pgbak is in it: the deserialized process runs bin/pgbak.js from disk, which loads the
// bundle as a start without the snapshot does (V8's code cache). So the snapshot holds no
// state of a run (environment, arguments, working folder, time, random seeds, handles, a
// logger): only modules, loaded as `require()` loads them, which reads none of that.
// Node calls child_process, tty, readline, readline/promises, stream/consumers, vm and dgram
// "not yet fully verified" in a snapshot (a warning when it is built, which
// scripts/build-snapshot.js keeps to itself); on Node 20 they are most of the gain
// (11.6 ms of CPU a run with them, 2.2 without), and loading them sets up nothing
// per process (constants, classes, bindings' constructors): pgbak's tests start from the
// snapshot (tests/unit/cli/startup-snapshot.test.ts).
'use strict';
const modules = [
  'child_process', 'crypto', 'dgram', 'diagnostics_channel', 'fs/promises', 'net', 'os', 'readline', 'readline/promises', 'stream',
  'stream/consumers', 'stream/promises', 'string_decoder', 'timers/promises', 'tty', 'util/types', 'v8', 'vm', 'zlib',
];
for (const id of modules) require(`node:${id}`);

// What a blob runs when Node starts from it. Blobs built by an earlier build for another Node
// binary stay in dist/snapshot/ (build-snapshot.js rebuilds only the running Node's): when this
// function changes, so does the blobs' format (`v1` in scripts/build-snapshot.js and bin/pgbak),
// so that no blob with the old one is used. The module list above may change without that.
require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  // bin/pgbak passes the launcher script as the first argument, where Node puts a script's
  // path: process.argv is then what `node bin/pgbak.js …` gives.
  const launcher = process.argv[1];
  require('node:module').createRequire(launcher)(launcher);
});
