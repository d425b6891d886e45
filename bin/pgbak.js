#!/usr/bin/env node
import { main } from '../dist/cli.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Exit once stdout has drained, so a piped --json result is never cut short. A closed
// stdout (its reader gone) has nothing left to drain: exit at once, with the same code.
if (process.stdout.destroyed || process.stdout.writableEnded) process.exit(code);
else process.stdout.write('', () => process.exit(code));
