// Jest globalSetup for the whole run (both projects): points TMPDIR at a private,
// empty folder, which every test worker and every child process (pgbak, pg_dump)
// inherits through os.tmpdir(). temp-guard-teardown.js fails the run when anything
// is left in it, so a test or a code path that leaks temp files cannot come back
// unnoticed. Plain JavaScript: Node, not Jest, loads it.
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const GUARD_KEY = Symbol.for('pgbak.test.temp-guard');

export default function setupTempGuard() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgbak-jest-tmp-'));
  // Traversable like /tmp itself (but not writable by others): as root, the test servers
  // run as the OS user `postgres`, which must reach the files tests make for them.
  chmodSync(dir, 0o755);
  globalThis[GUARD_KEY] = { dir, previous: process.env.TMPDIR, previousCompileCache: process.env.NODE_DISABLE_COMPILE_CACHE };
  process.env.TMPDIR = dir;
  // tsc (TypeScript 5.7+, run by the tests that build) turns on Node's module compile cache
  // on Node 22+, which writes a node-compile-cache folder into TMPDIR: a cache, not a leak
  // of pgbak's, and absent on Node 20. Off for the tests and their children.
  process.env.NODE_DISABLE_COMPILE_CACHE = '1';
}
