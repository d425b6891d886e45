// Runs the retention rule in a child Node process with another TZ: Jest's
// process.env is a copy, so setting TZ inside a test changes nothing. The rule's
// two modules are transpiled into a temp folder and imported there.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import ts from 'typescript';

const modules = ['select', 'periods'];
const libDir = fileURLToPath(new URL('../../../lib/retention/', import.meta.url));

const runner = `
import { selectToKeep } from './select.js';
const { times, policy } = JSON.parse(process.argv[2]);
const decisions = selectToKeep(times.map((startedAt) => ({ profile: 'p', database: 'd', startedAt })), policy);
const kept = decisions.filter((d) => d.keep).map((d) => d.backup.startedAt).sort();
console.log(JSON.stringify({ kept, localDay: new Date('2024-12-31T23:00:00Z').getDate() }));
`;

/** The kept startedAt values (sorted) as a process in time zone `zone` computes them. */
export async function keptInZone(zone: string, times: string[], policy: Record<string, number>): Promise<{ kept: string[]; localDay: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'pgbak-tz-'));
  try {
    for (const name of modules) {
      const source = await readFile(join(libDir, `${name}.ts`), 'utf8');
      const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
      await writeFile(join(dir, `${name}.js`), outputText);
    }
    await writeFile(join(dir, 'run.mjs'), runner);
    await writeFile(join(dir, 'package.json'), '{"type":"module"}');
    const { stdout } = await execa(process.execPath, [join(dir, 'run.mjs'), JSON.stringify({ times, policy })], { env: { TZ: zone } });
    return JSON.parse(stdout) as { kept: string[]; localDay: number };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
