#!/usr/bin/env node
// CommonJS (bin/package.json): an ES module entry point makes Node 20 set up its ES module
// loader first and load this file and the compile-cache loader through it, ~6 ms of CPU at
// every start (BENCHMARKS.md, 2026-12-05 boot). Nothing here imports an ES module.
// The `pgbak` command (bin/pgbak) runs this file too, in a Node started from pgbak's startup
// snapshot when there is one for that Node (scripts/snapshot/entry.cjs): the same code, with
// Node's modules already loaded.
'use strict';
const { join } = require('node:path');
const { setFlagsFromString } = require('node:v8');

// V8's young generation starts at 1 MiB and grows to 16 MiB (twice: two semi-spaces) under a
// run's allocation rate. The Buffers pg_dump's output arrives in die young, and their memory
// is freed only when a scavenge finds them dead: with the young generation grown, a run held
// ~40 MiB more at its peak (123 vs 86 MiB to a local folder, an uncompressed 489 MiB dump;
// BENCHMARKS.md, "peak memory"). Keeping it at 1 MiB costs more scavenges, cheap ones
// (the chunks are dead by then). Set before the CLI loads: a generation grown while the
// bundle is compiled stays grown. Read by V8 each time it would grow the young generation.
setFlagsFromString('--semi-space-growth-factor=1');

// The CLI is one CommonJS bundle, compiled from V8's code cache when there is one (see
// lib/cli/compile-cache.ts, bundled as dist/cli-load.cjs), one per command; the cache is
// written at exit when there was none. Required only now, after the flag.
const { cacheVariant, loadBundle } = require('../dist/cli-load.cjs');
const cli = loadBundle(join(__dirname, '..', 'dist', 'cli.cjs'), { env: process.env, variant: cacheVariant(process.argv.slice(2)) });
process.once('exit', () => cli.persist());

cli.exports.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Exit once stdout has drained, so a piped --json result is never cut short. A closed
  // stdout (its reader gone) has nothing left to drain: exit at once, with the same code.
  if (process.stdout.destroyed || process.stdout.writableEnded) process.exit(code);
  else process.stdout.write('', () => process.exit(code));
});
