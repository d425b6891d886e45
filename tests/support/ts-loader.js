// Node ESM loader hooks for Jest's globalSetup/globalTeardown. Jest transpiles
// those two files but then loads them with Node's own module loader, which
// neither maps `./x.js` to `./x.ts` nor compiles TypeScript. These hooks do both,
// for files in tests/support only, so the harness stays in small typed modules.
// Registered by global-setup.ts / global-teardown.ts through module.register().
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const supportDir = new URL('./', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent?.startsWith(supportDir) && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), parent);
    if (candidate.href.startsWith(supportDir) && existsSync(fileURLToPath(candidate))) {
      return { url: candidate.href, format: 'module', shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith(supportDir) && url.endsWith('.ts')) {
    const fileName = fileURLToPath(url);
    const { outputText } = ts.transpileModule(await readFile(fileName, 'utf8'), {
      fileName,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, inlineSourceMap: true },
    });
    return { format: 'module', source: outputText, shortCircuit: true };
  }
  return nextLoad(url, context);
}
