#!/usr/bin/env node
import { enableCompileCache } from '../dist/cli/compile-cache.js';

// Before the bundle loads, so that Node (22.8+) reads its compiled code from a private cache.
enableCompileCache();
const { main } = await import('../dist/cli.js');

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Exit once stdout has drained, so a piped --json result is never cut short. A closed
// stdout (its reader gone) has nothing left to drain: exit at once, with the same code.
if (process.stdout.destroyed || process.stdout.writableEnded) process.exit(code);
else process.stdout.write('', () => process.exit(code));
