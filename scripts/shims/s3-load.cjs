// dist/s3-load.cjs: what the CLI bundle loads in place of lib/storage/s3/index.ts (see
// scripts/bundle-cli.js). It loads dist/s3.cjs — S3 storage and the AWS SDK, 1.5 MB —
// compiled from V8's code cache, as bin/pgbak.js loads the CLI (lib/cli/compile-cache.ts):
// compiling it, and the SDK functions a run's first requests call, is most of what a run
// to S3 pays before its first part (BENCHMARKS.md, s3cpu). The cache is written at exit
// when there was none, with everything the command compiled. A module of its own that
// Node's require() loads, so that a failure to load is thrown again at the next import.
'use strict';

const { join } = require('node:path');
const { cacheVariant, loadBundle } = require('../../lib/cli/compile-cache.ts');

// One cache per command, as the CLI bundle's: a run and a restore compile different parts of the SDK.
const bundle = loadBundle(join(__dirname, 's3.cjs'), { env: process.env, variant: cacheVariant(process.argv.slice(2)) });
process.once('exit', () => bundle.persist());
module.exports = bundle.exports;
