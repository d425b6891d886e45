// Helpers the benchmark scripts share.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The same binary pgbak picks for a PostgreSQL 15 server: Debian's versioned folder
// (not the /usr/bin Perl wrapper, which pgbak skips), else PATH.
export function findTool(name) {
  for (const dir of ['/usr/lib/postgresql/15/bin', ...(process.env.PATH ?? '').split(':')]) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} not found: install the PostgreSQL 15 client tools`);
}

/** The first column of the first row of `text` run in `database` of the throwaway server `pg` (null for no row). */
export async function queryValue(pg, database, text) {
  const client = pg.client(database);
  await client.connect();
  try {
    const [row] = (await client.query(text)).rows;
    return row ? Object.values(row)[0] : null;
  } finally {
    await client.end();
  }
}
