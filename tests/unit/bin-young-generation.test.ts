import { readFileSync } from 'node:fs';

// bin/pgbak.js keeps V8's young generation small so that the chunks a run streams are freed
// soon (peak memory of a run: BENCHMARKS.md). The flag only holds if it is set before the CLI
// bundle is compiled, which a static import would do first.
describe('bin/pgbak.js', () => {
  const source = readFileSync(new URL('../../bin/pgbak.js', import.meta.url), 'utf8');

  it('sets --semi-space-growth-factor=1 before it loads the CLI, which it imports dynamically', () => {
    const flag = source.indexOf("setFlagsFromString('--semi-space-growth-factor=1')");
    // The bundle is compiled by loadBundle, itself imported dynamically after the flag.
    const load = source.indexOf("await import('../dist/cli/compile-cache.js')");
    expect(flag).toBeGreaterThan(0);
    expect(load).toBeGreaterThan(flag);
    expect(source.indexOf('loadBundle(')).toBeGreaterThan(load);
    expect(source).not.toMatch(/^import [^;]*dist\//m);
  });
});
