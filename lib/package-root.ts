import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * pgbak's install folder (where package.json and profiles/ are), found by walking
 * up from this module: the same answer from dist/*.js, the bundled CLI, or the
 * TypeScript sources under test.
 */
export const packageRoot: string = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'profiles'))) return dir;
    if (dirname(dir) === dir) throw new Error(`pgbak: cannot find its package folder above ${start}`);
  }
}
