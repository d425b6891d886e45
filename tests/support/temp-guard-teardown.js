// Jest globalTeardown for the whole run: what the tests left in the private TMPDIR
// of temp-guard-setup.js fails the run, named; the folder is removed either way.
import { readdirSync, rmSync } from 'node:fs';

const GUARD_KEY = Symbol.for('pgbak.test.temp-guard');

export default function teardownTempGuard() {
  const guard = globalThis[GUARD_KEY];
  if (!guard) return;
  delete globalThis[GUARD_KEY];
  if (guard.previous === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = guard.previous;
  if (guard.previousCompileCache === undefined) delete process.env.NODE_DISABLE_COMPILE_CACHE;
  else process.env.NODE_DISABLE_COMPILE_CACHE = guard.previousCompileCache;
  const left = readdirSync(guard.dir).sort();
  rmSync(guard.dir, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(
      `the tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp folder: ${left.join(', ')} ` +
        '(a test, or the code it runs, must remove the temp files and folders it creates)',
    );
  }
}
