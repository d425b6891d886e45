// Bundles the CLI into one file (dist/cli.cjs). Node then loads one module instead
// of several hundred small ones, which halves pgbak's start-up time — the fixed
// cost every cron run and CI step pays. CommonJS, so that bin/pgbak.js can compile it
// with V8's code cache (lib/cli/compile-cache.ts), which Node 20 has for scripts only.
// The library entry (dist/index.js) stays the plain tsc output.
import { rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { asciiComments } from './lib/ascii-bundle.js';

// The ES module bundle of earlier builds: nothing loads it any more.
for (const stale of ['dist/cli.js', 'dist/cli.js.map', 'dist/s3.js', 'dist/s3.js.map']) rmSync(stale, { force: true });

await build({
  entryPoints: ['lib/cli/main.ts'],
  outfile: 'dist/cli.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // Strings, regular expressions and names escaped; comments are made ASCII below.
  charset: 'ascii',
  // pg's optional native binding is never used by pgbak. nodemailer is imported lazily
  // (await import()) by a run that sends e-mail: loaded from node_modules then, not at every start.
  external: ['pg-native', 'nodemailer'],
  // No import() in the bundle: code compiled from V8's code cache has lost what Node needs to
  // run an import() (on Node 20 it fails with "A dynamic import callback was not specified"),
  // so the lazy imports become require() of CommonJS (nodemailer, dist/s3.cjs below).
  supported: { 'dynamic-import': false },
  // yazl's CRC-32 in C instead of JavaScript (a third of the CPU time of a big dump).
  alias: { 'buffer-crc32': './scripts/shims/buffer-crc32.cjs' },
  // The sources find pgbak's folder from import.meta.url (lib/package-root.ts): the bundle's own.
  define: { 'import.meta.url': '__pgbakBundleUrl' },
  banner: { js: "const __pgbakBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  plugins: [
    {
      // lib/archive/fast-crc32.ts points the buffer-crc32 package of node_modules (yazl's) at
      // zlib, for library users; the bundle has its own copy of yazl, given the shim above.
      // Left in, it resolved and compiled the package from node_modules at every start
      // (8–25 ms) to patch a copy nothing here uses.
      name: 'no-fast-crc32-patch',
      setup(b) {
        b.onLoad({ filter: /[\\/]lib[\\/]archive[\\/]fast-crc32\.ts$/ }, () => ({ contents: '// the bundle aliases buffer-crc32 to scripts/shims/buffer-crc32.cjs\n', loader: 'js' }));
      },
    },
    {
      // Before a command's handler runs, yargs renders that command's help and keeps it, to
      // print it should the handler fail (3–20 ms of every start). pgbak's .fail() throws
      // instead and never prints it (lib/cli/main.ts); --help renders the help when asked,
      // as before. The one call is taken out of the bundled yargs; a yargs without it fails
      // the build, so that an upgrade is looked at.
      name: 'yargs-no-help-cache',
      setup(b) {
        b.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]lib[\\/]command\.js$/ }, async (args) => {
          const text = await readFile(args.path, 'utf8');
          const call = 'yargs.getInternalMethods().getUsageInstance().cacheHelpMessage();';
          if (text.split(call).length !== 2) throw new Error(`${args.path}: expected one "${call}" (yargs changed: see scripts/bundle-cli.js)`);
          return { contents: text.replace(call, '/* pgbak: no help rendered ahead (scripts/bundle-cli.js) */'), loader: 'js' };
        });
      },
    },
    {
      // yargs' factory sets a default --version at once, guessing the version from the nearest
      // package.json above the main file: a readdir of every folder up to / and, when none is
      // found, an assertion error built and caught (~1-2 ms of every start). pgbak sets its own
      // version right after (.version(pgbakVersion), lib/cli/main.ts): the guess is taken out of
      // the bundled yargs (the option stays off until then); a yargs without it fails the build.
      name: 'yargs-no-version-guess',
      setup(b) {
        b.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]lib[\\/]yargs-factory\.js$/ }, async (args) => {
          const text = await readFile(args.path, 'utf8');
          const call = 'yargs.help();\n        yargs.version();';
          if (text.split(call).length !== 2) throw new Error(`${args.path}: expected one "${call}" (yargs changed: see scripts/bundle-cli.js)`);
          return { contents: text.replace(call, 'yargs.help();\n        yargs.version(false); /* pgbak: no version guessed (scripts/bundle-cli.js) */'), loader: 'js' };
        });
      },
    },
    {
      // pg decides at load time whether it runs in a Cloudflare Worker, and on Node 20 that
      // loads undici (see the shim). Its Node.js stream functions, without the question.
      name: 'pg-node-stream',
      setup(b) {
        b.onResolve({ filter: /^\.\/stream$/ }, (args) => {
          if (!/[\\/]pg[\\/]lib[\\/]connection\.js$/.test(args.importer)) return undefined;
          return { path: path.resolve('scripts/shims/pg-stream.cjs') };
        });
      },
    },
    {
      // pg requires node:dns at load time for its native binding's connection string only:
      // required when used (see the shim), not at every start.
      name: 'pg-lazy-dns',
      setup(b) {
        b.onResolve({ filter: /^dns$/ }, (args) => {
          if (!/[\\/]pg[\\/]lib[\\/]connection-parameters\.js$/.test(args.importer)) return undefined;
          return { path: path.resolve('scripts/shims/pg-dns.cjs') };
        });
      },
    },
    {
      // yargs' platform shim and pg-copy-streams require node:assert when they load: it is
      // required only to throw an assertion that fails (see the shim).
      name: 'lazy-assert',
      setup(b) {
        b.onResolve({ filter: /^assert$/ }, (args) => {
          if (!/[\\/](yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs|pg-copy-streams[\\/]copy-(to|both)\.js)$/.test(args.importer)) return undefined;
          return { path: path.resolve('scripts/shims/lazy-assert.cjs') };
        });
      },
    },
    {
      // Every copy of string-width gets a fast path for printable ASCII, and is loaded only
      // for a text that is not: see the shim.
      name: 'ascii-string-width',
      setup(b) {
        b.onResolve({ filter: /^string-width$/ }, async (args) => {
          if (args.pluginData === 'real') return undefined;
          const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'real' });
          if (real.errors.length > 0) return { errors: real.errors };
          return { path: real.path, namespace: 'ascii-string-width' };
        });
        b.onLoad({ filter: /.*/, namespace: 'ascii-string-width' }, (args) => ({
          resolveDir: path.dirname(args.path),
          // require(), not import: esbuild then evaluates the real module when it is first asked for.
          contents: [
            `import { asciiFastStringWidth } from ${JSON.stringify(path.resolve('scripts/shims/ascii-string-width.js'))};`,
            `export default asciiFastStringWidth(() => require(${JSON.stringify(args.path)}).default);`,
          ].join('\n'),
        }));
      },
    },
    {
      // S3 storage is imported lazily (await import()) and loads the AWS SDK: it stays out of
      // the bundle and is loaded from its own bundle beside it (below), through its loader
      // (dist/s3-load.cjs: V8's code cache), only by a run that reaches a bucket.
      name: 'lazy-s3',
      setup(b) {
        // Whoever imports it (run/run-files.ts as ../storage/s3/index.js, storage/open-source.ts as ./s3/index.js).
        b.onResolve({ filter: /s3\/index\.js$/ }, (args) => {
          const target = path.resolve(args.resolveDir, args.path);
          if (!target.endsWith(path.join('storage', 's3', 'index.js'))) return undefined;
          return { path: './s3-load.cjs', external: true };
        });
      },
    },
  ],
});

// S3 storage and the AWS SDK in one file (dist/s3.cjs), which the CLI imports when a run reaches
// a bucket. From node_modules the SDK is ~300 modules: loading them took ~0.16 s of CPU, the
// bundle ~0.08 s — start-up a run to S3 pays before its dump (BENCHMARKS.md, 2026-12-05
// morning). The modules of lib/ it shares with the CLI are copies here, as they were when it
// was loaded from tsc's output (PgbakError is recognised across copies: lib/errors.ts).
await build({
  entryPoints: ['lib/storage/s3/index.ts'],
  outfile: 'dist/s3.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  charset: 'ascii',
  // Compiled from V8's code cache (dist/s3-load.cjs, below), like the CLI bundle: no import()
  // (the SDK's instance-metadata credentials import node:http so), a require() instead.
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__pgbakBundleUrl' },
  banner: { js: "const __pgbakBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});

// What the CLI requires for S3 storage: dist/s3.cjs through V8's code cache (the shim says why).
// The two small loaders: one CommonJS file each, ASCII, for Node 20 and later.
const loader = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', charset: 'ascii', logLevel: 'warning' };
// Only the loader and lib/cli/compile-cache.ts: dist/s3.cjs is read as a file, never bundled.
await build({ ...loader, entryPoints: ['scripts/shims/s3-load.cjs'], outfile: 'dist/s3-load.cjs' });

// What bin/pgbak.js requires to load the CLI bundle: lib/cli/compile-cache.ts as CommonJS, so
// that the launcher stays CommonJS too (an ES module entry point sets up Node's ES module loader
// first: ~6 ms of CPU at every start on Node 20).
await build({ ...loader, entryPoints: ['lib/cli/compile-cache.ts'], outfile: 'dist/cli-load.cjs' });

// Both bundles ASCII-only (see scripts/lib/ascii-bundle.js): V8 then keeps the source as a
// one-byte string, decoded in a fraction of the time at every start.
for (const file of ['dist/cli.cjs', 'dist/s3.cjs']) {
  const code = await readFile(file, 'utf8');
  const ascii = await asciiComments(code, file);
  if (ascii !== code) await writeFile(file, ascii);
}
