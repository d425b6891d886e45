// A run reads its configuration once: the profile file is parsed and validated a
// single time (it was three: load, the flags check, compile), and the run works
// from the frozen RunConfig the loader returned.
import { jest } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { profileSchema } from '../../lib/config/profile-schema.js';
import { loadRunConfig } from '../../lib/config/run-config.js';
import { runProfile } from '../../lib/run/run-profile.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../support/db.js';

describe('a run and its configuration', () => {
  const cluster = getCluster();
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase(cluster, 'runconfig');
    await query(cluster, db.name, 'CREATE TABLE public.t AS SELECT g AS id FROM generate_series(1, 10) g');
    dir = await mkdtemp(path.join(os.tmpdir(), 'pgbak-runconfig-'));
    await writeFile(path.join(dir, 'once.yaml'), 'outputDir: ${BACKUP_DIR}\nverify: true\nretention:\n  keepLast: 2\nsteps:\n  - kind: full\n    format: plain\n', { mode: 0o600 });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('parses and validates the profile once for a whole run, verify and retention included', async () => {
    const env = { ...pgEnv(cluster, db.name), BACKUP_DIR: path.join(dir, 'backups') };
    const parses = jest.spyOn(profileSchema, 'safeParse');
    const config = await loadRunConfig({ profile: path.join(dir, 'once.yaml'), cwd: dir, env });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.profile.profile)).toBe(true);
    const summary = await runProfile({ config });
    expect(summary.ok).toBe(true);
    expect(summary.verify?.ok).toBe(true);
    expect(summary.retention).toEqual({ deleted: [], failed: 0 });
    expect(path.dirname(summary.archive)).toBe(path.join(dir, 'backups'));
    expect(parses).toHaveBeenCalledTimes(1);
  });
});
