import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Engines meet one contract (lib/engines/step.ts) and show themselves through their
// index (DESIGN.md): no engine imports another, and run/ and restore/ reach an
// engine only through its index, so an engine's internal files may change shape.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const engineEntrances = new Set(['lib/engines/step.ts', 'lib/engines/native/index.ts', 'lib/engines/pgdump/index.ts']);

/** Module specifiers of every static import/export … from, side-effect import and dynamic import(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) found.push(match[1]!);
  return found;
}

/** What `file` (a path under the repository) imports, as paths under the repository (`.ts`). */
function importsOf(file: string, source: string): string[] {
  return specifiers(source)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(root, resolve(root, dirname(file), spec)).split('\\').join('/').replace(/\.js$/, '.ts'));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(`${dir}/${entry.name}`) : entry.name.endsWith('.ts') ? [`${dir}/${entry.name}`] : [],
  );
}

/** `file -> target` for every import of a file under `dir` that `refused` says no to. */
function offendingImports(dir: string, refused: (target: string) => boolean): string[] {
  const files = sourceFiles(dir);
  expect(files.length).toBeGreaterThan(0);
  return files.flatMap((file) =>
    importsOf(file, readFileSync(join(root, file), 'utf8'))
      .filter(refused)
      .map((target) => `${file} -> ${target}`),
  );
}

const intoEngineInternals = (target: string) => target.startsWith('lib/engines/') && !engineEntrances.has(target);

describe('the engines and who uses them', () => {
  it('the native engine imports nothing of the pg_dump engine', () => {
    expect(offendingImports('lib/engines/native', (target) => target.startsWith('lib/engines/pgdump/'))).toEqual([]);
  });

  it('the pg_dump engine imports nothing of the native engine', () => {
    expect(offendingImports('lib/engines/pgdump', (target) => target.startsWith('lib/engines/native/'))).toEqual([]);
  });

  it('lib/run reaches the engines only through engines/step.ts and their index files', () => {
    expect(offendingImports('lib/run', intoEngineInternals)).toEqual([]);
  });

  it('lib/restore reaches the engines only through engines/step.ts and their index files', () => {
    expect(offendingImports('lib/restore', intoEngineInternals)).toEqual([]);
  });

  it('the scan sees every form of import that could reach into an engine', () => {
    const source = [
      "import { runDumpStep } from '../engines/pgdump/run-step.js';",
      "import type { StepContext } from '../engines/step.js';",
      "export { nativeEngine } from '../engines/native/index.js';",
      "import '../engines/native/load/index.js';",
      "const tail = await import('../engines/pgdump/stderr-tail.js');",
      "import {\n  runNativeDump,\n} from '../engines/native/run-native-step.js';",
      "import { quoteIdent } from '../sql/quote.js';",
      "import { z } from 'zod';",
    ].join('\n');
    expect(importsOf('lib/run/x.ts', source).filter(intoEngineInternals)).toEqual([
      'lib/engines/pgdump/run-step.ts',
      'lib/engines/native/load/index.ts',
      'lib/engines/pgdump/stderr-tail.ts',
      'lib/engines/native/run-native-step.ts',
    ]);
  });

  it('the scan sees an engine importing the other one', () => {
    const source = "import type { StepContext } from '../pgdump/run-step.js';\nimport type { DumpEngine } from '../step.js';";
    expect(importsOf('lib/engines/native/x.ts', source).filter((target) => target.startsWith('lib/engines/pgdump/'))).toEqual(['lib/engines/pgdump/run-step.ts']);
  });
});
