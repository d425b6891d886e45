// On a terminal, a long step shows one self-rewriting progress line (bytes written,
// table being dumped); off a terminal (cron, CI, pipes) there is none. `script`
// (util-linux) gives the child a pseudo-terminal as stderr.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../support/db.js';
import { pgbakBin, runCli } from '../support/cli.js';

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('progress on a terminal', () => {
  const cluster = getCluster();
  let db: TestDatabase;
  let out: string;

  beforeAll(async () => {
    db = await createTestDatabase(cluster, 'progress');
    await query(cluster, db.name, `CREATE TABLE public.big AS SELECT g AS id, repeat(md5(g::text), 8) AS payload FROM generate_series(1, 300000) g`);
    out = await mkdtemp(path.join(os.tmpdir(), 'pgbak-progress-'));
  });
  afterAll(async () => {
    await db.drop();
    await rm(out, { recursive: true, force: true });
  });

  // Skipped only where util-linux `script` is missing (no way to give the child a terminal).
  (hasScript ? it : it.skip)('rewrites one line with the bytes written and the table being dumped', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...pgEnv(cluster, db.name), NO_COLOR: '1' };
    delete env.DATABASE_URL;
    const command = `${process.execPath} ${pgbakBin} run full --format plain --output-dir ${out}`;
    const transcript = execFileSync('script', ['-qec', command, '/dev/null'], { env, encoding: 'utf8' });
    // \r + "erase line" before each redraw; sizes in binary units; the table from pg_dump --verbose.
    expect(transcript).toMatch(/\r\x1b\[2Kfull \(t_progress_[0-9a-f]+\): [\d.]+ (B|KiB|MiB)/);
    expect(transcript).toContain('public.big');
  });

  it('prints no progress line when stderr is not a terminal', async () => {
    const result = await runCli(['run', 'full', '--format', 'plain', '--output-dir', out], { env: pgEnv(cluster, db.name) });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).not.toContain('\x1b[2K');
    expect(result.stderr).not.toContain('\r');
  });
});
