import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { pgbakBin, repoRoot } from '../../support/cli.js';

// What the CLI bundle (dist/cli.cjs, after npm run build) does when it starts, watched from
// inside the process: work every pgbak start pays for although the command never needs it.

/**
 * Runs `pgbak <args>` in a process that first runs `setup` (JavaScript, an ES module) and
 * prints `report()` to stderr at exit; resolves with what it printed last.
 */
async function startWatched(args: string[], setup: string): Promise<string> {
  const script = [
    setup,
    `process.on('exit', () => process.stderr.write(\`\\n\${JSON.stringify(report())}\\n\`));`,
    `process.argv = [process.execPath, ${JSON.stringify(pgbakBin)}, ...${JSON.stringify(args)}];`,
    `await import(${JSON.stringify(pgbakBin)});`,
  ].join('\n');
  const result = await execa(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, extendEnv: false, reject: false });
  const lines = result.stderr.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? 'null') as string;
}

const commands = [[['--version']], [['profiles']], [['run']]];

describe('the CLI bundle at start', () => {
  // string-width builds an Intl.Segmenter and the RGI emoji regex when its module loads
  // (~20 ms of CPU): the bundle loads it only for a text that is not printable ASCII.
  it.each(commands)('builds no Intl.Segmenter for pgbak %j (string-width stays unloaded)', async (args) => {
    const setup = [
      'let segmenters = 0;',
      'const Real = Intl.Segmenter;',
      'Intl.Segmenter = class extends Real { constructor(...args) { super(...args); segmenters++; } };',
      'const report = () => `segmenters=${segmenters}`;',
    ].join('\n');
    expect(await startWatched(args, setup)).toBe('segmenters=0');
  });

  // Everything a start needs is in the bundle: a package loaded from node_modules is read,
  // resolved and compiled without the code cache (lib/archive/fast-crc32.ts did so with
  // buffer-crc32 at every start, 8–25 ms, to patch a copy the bundle does not use).
  it.each(commands)('loads no module from node_modules for pgbak %j', async (args) => {
    const setup = [
      "import Module from 'node:module';",
      'const loaded = [];',
      'const load = Module._load;',
      // The launcher (bin/pgbak.js, CommonJS) and what it requires of dist/ are pgbak's own.
      "Module._load = function (request, parent, ...rest) { if (!Module.isBuiltin(request) && Module._resolveFilename(request, parent).includes('/node_modules/')) loaded.push(request); return load.call(this, request, parent, ...rest); };",
      'const report = () => loaded;',
    ].join('\n');
    expect(await startWatched(args, setup)).toEqual([]);
  });

  // node:tls (with _tls_wrap, _tls_common, the secure context) is required by lib/db/tls.ts and
  // by the driver when a connection uses TLS, not when the bundle loads (~1–2 ms a start).
  // tests/integration/tls/ runs pgbak against TLS servers (verify-full, sslrootcert=system).
  // node:dns (with the c-ares binding) was required by pg for its native binding only
  // (scripts/shims/pg-dns.cjs); net requires it when a host name is to be resolved.
  // node:assert by yargs and pg-copy-streams, for assertions that hold (scripts/shims/lazy-assert.cjs).
  it.each(commands)('loads no node:tls, node:dns or node:assert for pgbak %j', async (args) => {
    const setup = "const report = () => process.moduleLoadList.filter((name) => /^NativeModule (tls|_tls_wrap|_tls_common|dns|assert)$/.test(name));";
    expect(await startWatched(args, setup)).toEqual([]);
  });

  // yargs rendered the running command's help before each handler (3–20 ms a start), to print
  // it should the handler fail; pgbak's .fail() never prints it. Help is rendered when asked.
  it('renders no help ahead of a command', async () => {
    const bundle = await readFile(join(repoRoot, 'dist', 'cli.cjs'), 'utf8');
    expect(bundle).toContain('cacheHelpMessage = function');
    expect(bundle).not.toContain('getUsageInstance().cacheHelpMessage()');
    const help = await execa(process.execPath, [pgbakBin, 'run', '--help'], { cwd: repoRoot, reject: false });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^pgbak run \[profile\]/);
  });

  // yargs' factory guessed a default version from the nearest package.json above its main file
  // (a readdir of each folder up to /, an assertion error built and caught when there is none:
  // ~1-2 ms a start); pgbak sets its own version at once. --version still prints pgbak's, also
  // from a folder whose package.json says otherwise.
  it("guesses no version from a package.json, and --version prints pgbak's", async () => {
    const bundle = await readFile(join(repoRoot, 'dist', 'cli.cjs'), 'utf8');
    expect(bundle).toContain('yargs.version(false);');
    expect(bundle).not.toContain('yargs.version();');
    const folder = await mkdtemp(join(tmpdir(), 'pgbak-version-'));
    try {
      await writeFile(join(folder, 'package.json'), JSON.stringify({ name: 'other', version: '9.9.9' }));
      const { version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
      const result = await execa(process.execPath, [pgbakBin, '--version'], { cwd: folder, reject: false });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(version);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  // zod compiles a parser (new Function) per object schema at its first parse: more than the
  // parse costs for the few objects a command reads (lib/cli/zod-jitless.ts).
  it('compiles no zod parser for pgbak profiles (zod runs jitless in the CLI)', async () => {
    const setup = [
      'let made = 0;',
      'const Real = Function;',
      'globalThis.Function = new Proxy(Real, { construct: (target, args) => { made++; return Reflect.construct(target, args); }, apply: (target, self, args) => { made++; return Reflect.apply(target, self, args); } });',
      'const report = () => `functions=${made}`;',
    ].join('\n');
    expect(await startWatched(['profiles'], setup)).toBe('functions=0');
  });
});
