// `run --verify` restore-tests the backup it just wrote; a profile's `retention:`
// prunes older backups of that profile after a successful run.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../support/db.js';
import { seedDatabase } from '../support/seed.js';

describe('run with verification and retention', () => {
  const cluster = getCluster();
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase(cluster, 'runverify');
    await seedDatabase(cluster, db.name);
    dir = await mkdtemp(path.join(os.tmpdir(), 'pgbak-runverify-'));
  });
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('run --verify restores the new backup into a scratch database, records it and drops the scratch database', async () => {
    const out = path.join(dir, 'verify');
    const result = await runCli(['run', 'full', '--verify', '--json', '--output-dir', out], { env: pgEnv(cluster, db.name) });
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as { archive: string; verify: { ok: boolean; record: string } };
    expect(summary.verify.ok).toBe(true);
    expect(summary.verify.record).toBe(`${summary.archive}.verified.json`);
    const record = JSON.parse(await readFile(summary.verify.record, 'utf8')) as { ok: boolean };
    expect(record.ok).toBe(true);
    const scratch = await query<{ datname: string }>(cluster, 'postgres', `SELECT datname FROM pg_database WHERE datname LIKE 'pgbak_verify_%'`);
    expect(scratch).toEqual([]);

    const list = await runCli(['list', '--json', '--output-dir', out]);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toContain('"ok":true');
  });

  it('keeps only what the profile retention asks for after each successful run', async () => {
    const out = path.join(dir, 'retention');
    const profiles = path.join(dir, 'profiles');
    await mkdir(profiles, { recursive: true });
    await writeFile(
      path.join(profiles, 'small.yaml'),
      ['retention:', '  keepLast: 2', 'steps:', '  - kind: schema-only', ''].join('\n'),
    );
    const args = ['run', 'small', '--profiles-dir', profiles, '--output-dir', out, '--json'];
    for (let i = 0; i < 3; i++) {
      const result = await runCli(args, { env: pgEnv(cluster, db.name) });
      expect(result.exitCode).toBe(0);
    }
    const zips = (await readdir(out)).filter((f) => f.endsWith('.zip'));
    expect(zips).toHaveLength(2);
    // the pruned backup's log went with it
    expect((await readdir(out)).filter((f) => f.endsWith('.log'))).toHaveLength(2);
  });

  it('--no-verify skips a profile that asks for verification', async () => {
    const profiles = path.join(dir, 'profiles-verify');
    await mkdir(profiles, { recursive: true });
    await writeFile(path.join(profiles, 'checked.yaml'), ['verify: true', 'steps:', '  - kind: full', ''].join('\n'));
    const out = path.join(dir, 'noverify');
    const result = await runCli(['run', 'checked', '--no-verify', '--profiles-dir', profiles, '--output-dir', out, '--json'], { env: pgEnv(cluster, db.name) });
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as { archive: string; verify?: unknown };
    expect(summary.verify).toBeUndefined();
    expect(existsSync(`${summary.archive}.verified.json`)).toBe(false);
  });
});
