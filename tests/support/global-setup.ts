// Jest globalSetup of the integration project: one cluster per requested major
// for the whole run. Runs in Jest's parent process; workers inherit the env var.
import { register } from 'node:module';

// Jest loads this file with Node's loader, not Jest's: sibling .ts modules are
// only importable (dynamically, below) once the ts-loader hooks are in place.
const LOADER_KEY = Symbol.for('pgbak.test.ts-loader');
const holder = globalThis as typeof globalThis & { [LOADER_KEY]?: true };
if (!holder[LOADER_KEY]) {
  register('./ts-loader.js', import.meta.url);
  holder[LOADER_KEY] = true;
}

export default async function globalSetup(): Promise<void> {
  const startedAt = Date.now();
  const { startRun } = await import('./test-run.js');
  const clusters = await startRun();
  if (clusters.length === 0) return;
  const where = clusters.map((c) => `PostgreSQL ${c.major} (${c.kind}) on ${c.host}:${c.port}`).join(', ');
  console.log(`\npgbak tests: ${where}, ready in ${((Date.now() - startedAt) / 1000).toFixed(1)}s`);
}
