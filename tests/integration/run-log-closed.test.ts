// A run closes the run log it attached before it returns. Left open, the log's
// FileHandle was closed by the garbage collector: Node 24+ turns that into an uncaught
// ERR_INVALID_STATE that ended the process (it crashed a Jest worker on Node 26).
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../lib/log/index.js';
import { runProfile } from '../../lib/run/run-profile.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../support/db.js';

/** Files this process holds open under `dir` (Linux: /proc/self/fd). */
function openFilesUnder(dir: string): string[] {
  const open: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) open.push(target);
    } catch {
      // closed meanwhile (the readdir's own descriptor)
    }
  }
  return open;
}

const onLinux = process.platform === 'linux';

describe('the run log of a library run', () => {
  const cluster = getCluster();
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase(cluster, 'runlog');
    await query(cluster, db.name, 'CREATE TABLE public.t AS SELECT g AS id FROM generate_series(1, 10) g');
    dir = await mkdtemp(path.join(os.tmpdir(), 'pgbak-runlog-'));
  });
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  (onLinux ? it : it.skip)('is closed when runProfile returns, with its own logger or the caller’s', async () => {
    for (const [name, logger] of [['own', undefined], ['given', createLogger({ level: 'quiet' })]] as const) {
      const outputDir = path.join(dir, name);
      const summary = await runProfile({ profile: 'schema-only', outputDir, env: pgEnv(cluster, db.name), ...(logger && { logger }) });
      expect(summary.ok).toBe(true);
      expect((await readdir(outputDir)).filter((file) => file.endsWith('.log'))).toHaveLength(1);
      expect(openFilesUnder(outputDir)).toEqual([]);
    }
  });

  (onLinux ? it : it.skip)('is closed when the run fails', async () => {
    const outputDir = path.join(dir, 'failed');
    const run = runProfile({ profile: 'schema-only', outputDir, env: { ...pgEnv(cluster, db.name), PGDATABASE: 'no_such_database_here' } });
    await expect(run).rejects.toThrow();
    expect(openFilesUnder(outputDir)).toEqual([]);
  });
});
