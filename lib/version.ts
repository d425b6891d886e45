import { readFileSync } from 'node:fs';

/** pgbak's own version, from the package.json shipped beside dist/. */
export const pgbakVersion: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
