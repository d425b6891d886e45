// On a terminal, a long step shows one self-rewriting progress line (bytes dumped and
// their rate, bytes uploaded to a bucket, table being dumped); off a terminal (cron, CI,
// pipes) and with --json or --quiet there is none. `script` (util-linux) gives the child
// a pseudo-terminal as stderr.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../support/db.js';
import { pgbakBin, runCli } from '../support/cli.js';
import { s3ClientEnv, startS3Server, type S3TestServer } from '../support/s3-server.js';

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
  let s3: S3TestServer;

  beforeAll(async () => {
    db = await createTestDatabase(cluster, 'progress');
    await query(cluster, db.name, `CREATE TABLE public.big AS SELECT g AS id, repeat(md5(g::text), 8) AS payload FROM generate_series(1, 300000) g`);
    out = await mkdtemp(path.join(os.tmpdir(), 'pgbak-progress-'));
    s3 = await startS3Server(['progress']);
  });
  afterAll(async () => {
    await db.drop();
    await s3?.stop();
    await rm(out, { recursive: true, force: true });
  });

  // Asynchronous: the S3 server runs in this process and must go on answering.
  const terminalRun = async (args: string): Promise<string> => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...pgEnv(cluster, db.name),
      NO_COLOR: '1',
      ...s3ClientEnv(s3.endpoint),
    };
    delete env.DATABASE_URL;
    const { stdout } = await promisify(execFile)('script', ['-qec', `${process.execPath} ${pgbakBin} ${args}`, '/dev/null'], { env, encoding: 'utf8', timeout: 120_000 });
    return stdout;
  };

  // Skipped only where util-linux `script` is missing (no way to give the child a terminal).
  (hasScript ? it : it.skip)('rewrites one line with the bytes written and the table being dumped', async () => {
    const transcript = await terminalRun(`run full --format plain --output-dir ${out}`);
    // \r + "erase line" before each redraw; sizes in binary units; the table from pg_dump --verbose.
    expect(transcript).toMatch(/\r\x1b\[2Kfull \(t_progress_[0-9a-f]+\): [\d.]+ (B|KiB|MiB) dumped/);
    expect(transcript).toContain('public.big');
    // Nothing goes to a bucket: no upload figures.
    expect(transcript).not.toContain('uploaded');
  });

  (hasScript ? it : it.skip)('shows the bytes and the table of a native engine dump too', async () => {
    const transcript = await terminalRun(`run full --engine native --output-dir ${out}`);
    expect(transcript).toMatch(/\r\x1b\[2Kfull \(t_progress_[0-9a-f]+\): [\d.]+ (B|KiB|MiB) dumped/);
    expect(transcript).toContain('public.big');
  });

  (hasScript ? it : it.skip)('shows the bytes uploaded to the bucket beside the bytes dumped, and ends on a clean line', async () => {
    const transcript = await terminalRun(`run full --format plain --storage s3://progress/pg/ --output-dir ${out}`);
    expect(transcript).toMatch(/\r\x1b\[2Kfull \(t_progress_[0-9a-f]+\): [\d.]+ (B|KiB|MiB) dumped(, [\d.]+ (B|KiB|MiB)\/s)? · [\d.]+ (B|KiB|MiB) uploaded/);
    // The summary (stdout) starts on a line of its own, not after a progress line.
    expect(transcript).toMatch(/(^|\n|\x1b\[2K)s3:\/\/progress\/pg\/full-t_progress_\S+\.zip\t/);
  });

  (hasScript ? it : it.skip)('draws no progress line with --json or --quiet, even on a terminal', async () => {
    for (const flag of ['--json', '--quiet']) {
      const transcript = await terminalRun(`run full --format plain --storage s3://progress/quiet/ --output-dir ${out} ${flag}`);
      expect(transcript).not.toContain('\x1b[2K');
      expect(transcript).not.toContain('dumped');
    }
  });

  it('prints no progress line when stderr is not a terminal', async () => {
    const result = await runCli(['run', 'full', '--format', 'plain', '--output-dir', out], { env: pgEnv(cluster, db.name) });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).not.toContain('\x1b[2K');
    expect(result.stderr).not.toContain('\r');
  });
});
