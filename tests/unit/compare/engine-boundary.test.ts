import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// compare/ is built on the native catalog's public index only (DESIGN.md): it
// must not reach into the engine's internal files, whose shape may change.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const allowed = new Set(['lib/engines/native/catalog/index.ts']);

/** Module specifiers of every static import/export … from, side-effect import and dynamic import(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) found.push(match[1]!);
  return found;
}

/** Imports of `file` (a path under the repository) that land under lib/engines/ outside `allowed`. */
function engineImportsOutsideIndex(file: string, source: string): string[] {
  return specifiers(source)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(root, resolve(root, dirname(file), spec)).split('\\').join('/').replace(/\.js$/, '.ts'))
    .filter((target) => target.startsWith('lib/engines/') && !allowed.has(target));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(`${dir}/${entry.name}`) : entry.name.endsWith('.ts') ? [`${dir}/${entry.name}`] : [],
  );
}

describe('compare and the native engine', () => {
  it('lib/compare imports nothing under lib/engines but the native catalog index', () => {
    const files = sourceFiles('lib/compare');
    expect(files.length).toBeGreaterThan(0);
    const offending = files.flatMap((file) => engineImportsOutsideIndex(file, readFileSync(join(root, file), 'utf8')).map((target) => `${file} -> ${target}`));
    expect(offending).toEqual([]);
  });

  it('the scan sees every form of import that could reach into the engine', () => {
    const source = [
      "import { entryKinds } from '../engines/native/toc.js';",
      "import type { TocEntry } from '../engines/native/catalog/index.js';",
      "export { readCatalog } from '../engines/native/catalog/read-catalog.js';",
      "import '../engines/pgdump/run-step.js';",
      "const order = await import('../engines/native/order.js');",
      "import {\n  formatReloptions,\n} from '../engines/native/catalog/table-sql.js';",
      "import { quoteIdent } from '../sql/quote.js';",
      "import { z } from 'zod';",
    ].join('\n');
    expect(engineImportsOutsideIndex('lib/compare/x.ts', source)).toEqual([
      'lib/engines/native/toc.ts',
      'lib/engines/native/catalog/read-catalog.ts',
      'lib/engines/pgdump/run-step.ts',
      'lib/engines/native/order.ts',
      'lib/engines/native/catalog/table-sql.ts',
    ]);
  });
});
