#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// V8's young generation starts at 1 MiB and grows to 16 MiB (twice: two semi-spaces) under a
// run's allocation rate. The Buffers pg_dump's output arrives in die young, and their memory
// is freed only when a scavenge finds them dead: with the young generation grown, a run held
// ~40 MiB more at its peak (123 vs 86 MiB to a local folder, an uncompressed 489 MiB dump;
// BENCHMARKS.md, "peak memory"). Keeping it at 1 MiB costs more scavenges, cheap ones
// (the chunks are dead by then). Set before the CLI loads: a generation grown while the
// bundle is compiled stays grown. Read by V8 each time it would grow the young generation.
setFlagsFromString('--semi-space-growth-factor=1');

const { cacheVariant, loadBundle } = await import('../dist/cli/compile-cache.js');
// The CLI is one CommonJS bundle, compiled from V8's code cache when there is one (see
// lib/cli/compile-cache.ts), one per command; the cache is written at exit when there was none.
const cli = loadBundle(fileURLToPath(new URL('../dist/cli.cjs', import.meta.url)), { env: process.env, variant: cacheVariant(process.argv.slice(2)) });
process.once('exit', () => cli.persist());

const code = await cli.exports.main(process.argv.slice(2));
process.exitCode = code;
// Exit once stdout has drained, so a piped --json result is never cut short. A closed
// stdout (its reader gone) has nothing left to drain: exit at once, with the same code.
if (process.stdout.destroyed || process.stdout.writableEnded) process.exit(code);
else process.stdout.write('', () => process.exit(code));
