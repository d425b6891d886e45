import { readFileSync } from 'node:fs';

// bin/pgbak.js keeps V8's young generation small so that the chunks a run streams are freed
// soon (peak memory of a run: BENCHMARKS.md). The flag only holds if it is set before the CLI
// bundle is compiled, which a require() at the top of the file would do first.
describe('bin/pgbak.js', () => {
  const source = readFileSync(new URL('../../bin/pgbak.js', import.meta.url), 'utf8');

  it('sets --semi-space-growth-factor=1 before it loads the CLI', () => {
    const flag = source.indexOf("setFlagsFromString('--semi-space-growth-factor=1')");
    // The bundle is compiled by loadBundle, itself required after the flag.
    const load = source.indexOf("require('../dist/cli-load.cjs')");
    expect(flag).toBeGreaterThan(0);
    expect(load).toBeGreaterThan(flag);
    expect(source.indexOf('loadBundle(')).toBeGreaterThan(load);
    // Nothing of dist/ is required before the flag is set.
    expect(source.slice(0, flag)).not.toMatch(/require\([^)]*dist\//);
  });

  // An ES module entry point sets up Node's ES module loader before anything runs (~6 ms of CPU
  // at every start on Node 20): the launcher is CommonJS, by the package.json beside it.
  it('is a CommonJS script that imports no ES module', () => {
    const scope = JSON.parse(readFileSync(new URL('../../bin/package.json', import.meta.url), 'utf8')) as { type?: string };
    expect(scope.type).toBe('commonjs');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/\bimport\(/);
    expect(source).not.toContain('import.meta');
  });
});
