// Jest globalTeardown of the integration project: stops what globalSetup started.
import { register } from 'node:module';

// Same reason as in global-setup.ts: Node, not Jest, loads this file.
const LOADER_KEY = Symbol.for('pgbak.test.ts-loader');
const holder = globalThis as typeof globalThis & { [LOADER_KEY]?: true };
if (!holder[LOADER_KEY]) {
  register('./ts-loader.js', import.meta.url);
  holder[LOADER_KEY] = true;
}

export default async function globalTeardown(): Promise<void> {
  const { stopRun } = await import('./test-run.js');
  await stopRun();
}
