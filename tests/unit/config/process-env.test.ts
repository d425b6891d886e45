import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot } from '../../../lib/package-root.js';

// The environment is read once, at the edge (STYLE.md, "Configuration"): code
// below the loader gets it from the RunConfig/CommandConfig it is handed.
const allowed: Record<string, string> = {
  'lib/config/run-config.ts': 'the loader: the one place that reads the environment',
  'lib/cli/main.ts': 'the process boundary: NO_COLOR decides the console colours before any command runs',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

// Comments may talk about the environment; code may not read it.
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('reading the environment', () => {
  it('happens only in the run-config loader (and the allow-listed process boundary)', () => {
    const lib = join(packageRoot, 'lib');
    const readers = sourceFiles(lib)
      .map((file) => relative(packageRoot, file))
      .filter((file) => /\bprocess\s*\.\s*env\b|\bprocess\s*\[\s*['"]env['"]\s*\]/.test(withoutComments(readFileSync(join(packageRoot, file), 'utf8'))));
    expect(readers.filter((file) => !(file in allowed))).toEqual([]);
    // The allow-list stays honest: an entry that no longer reads it goes.
    expect(Object.keys(allowed).filter((file) => !readers.includes(file))).toEqual([]);
  });
});
