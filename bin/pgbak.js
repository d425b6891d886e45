#!/usr/bin/env node
import { main } from '../dist/cli.js';

const code = await main(process.argv.slice(2));
// Exit once stdout has drained, so a piped --json result is never cut short.
process.stdout.write('', () => process.exit(code));
