#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../dist/cli/compile-cache.js';

// The CLI is one CommonJS bundle, compiled from V8's code cache when there is one (see
// lib/cli/compile-cache.ts); the cache is written at exit when there was none.
const cli = loadBundle(fileURLToPath(new URL('../dist/cli.cjs', import.meta.url)), { env: process.env });
process.once('exit', () => cli.persist());

const code = await cli.exports.main(process.argv.slice(2));
process.exitCode = code;
// Exit once stdout has drained, so a piped --json result is never cut short. A closed
// stdout (its reader gone) has nothing left to drain: exit at once, with the same code.
if (process.stdout.destroyed || process.stdout.writableEnded) process.exit(code);
else process.stdout.write('', () => process.exit(code));
