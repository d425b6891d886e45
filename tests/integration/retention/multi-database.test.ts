// A run that dumps several databases: its zip is named for them (not for the
// database it connected to), `list` and `status` give each database its own row,
// and its run locks cover each database it dumps.
import { jest } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, startCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, type TestDatabase } from '../../support/db.js';
import { fakePgBin, killQuietly, listTree, tempDirs, waitForPid } from '../failures/helpers.js';

jest.setTimeout(120_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const cluster = getCluster(15);
const databases: TestDatabase[] = [];
const dirs = tempDirs();
const strayPids: number[] = [];

afterAll(async () => {
  strayPids.forEach((pid) => killQuietly(pid));
  await Promise.all(databases.map((database) => database.drop()));
  await dirs.removeAll();
});

describeWithTools('a run of several databases', () => {
  let app: TestDatabase;
  let crm: TestDatabase;
  let other: TestDatabase;
  let profiles: string;

  beforeAll(async () => {
    databases.push(...(await Promise.all(['multi_app', 'multi_crm', 'multi_other'].map((prefix) => createTestDatabase(cluster, prefix)))));
    [app, crm, other] = databases as [TestDatabase, TestDatabase, TestDatabase];
    profiles = await dirs.make('pgbak-profiles-');
    await writeFile(path.join(profiles, 'both.yaml'), `archives: single\nsteps:\n  - kind: schema-only\n    databases: [${app.name}, ${crm.name}]\n`);
  });

  it('names the zip for its databases, and list and status show one row per database', async () => {
    const out = await dirs.make('pgbak-multi-');
    // Connected to a third database: the zip must not carry its name.
    const run = await runCli(['run', 'both', '--profiles-dir', profiles, '--output-dir', out], { env: pgEnv(cluster, other.name) });
    expect(run.exitCode).toBe(0);
    const zips = (await listTree(out)).filter((name) => name.endsWith('.zip'));
    expect(zips).toEqual([expect.stringMatching(/^both-2-databases-\d{8}T\d{6}Z\.zip$/)]);

    const list = await runCli(['list', '--output-dir', out, '--profiles-dir', profiles]);
    expect(list.exitCode).toBe(0);
    const rows = list.stdout.split('\n').filter((line) => line.startsWith('both '));
    expect(rows.map((line) => line.split(/\s+/)[1])).toEqual([app.name, crm.name].sort());
    expect(rows.every((line) => line.endsWith(zips[0]!))).toBe(true);

    const status = await runCli(['status', '--output-dir', out, '--profiles-dir', profiles, '--max-age', '1h', '--json']);
    expect(status.exitCode).toBe(0);
    const report = JSON.parse(status.stdout) as { groups: Array<{ profile: string; database: string; stale: boolean }> };
    expect(report.groups.map((g) => [g.profile, g.database, g.stale])).toEqual([app.name, crm.name].sort().map((name) => ['both', name, false]));

    // keep-last 1 per database keeps the one zip for both.
    const prune = await runCli(['prune', '--output-dir', out, '--profiles-dir', profiles, '--keep-last', '1', '--json']);
    expect(prune.exitCode).toBe(0);
    expect((JSON.parse(prune.stdout) as { deleted: number }).deleted).toBe(0);
  });

  it('holds the lock of each database it dumps, and a second run of the profile is refused', async () => {
    const out = await dirs.make('pgbak-multi-lock-');
    const pidFile = path.join(await dirs.make('pgbak-pid-'), 'pg_dump.pid');
    const fake = { PGBAK_PG_BIN: fakePgBin, FAKE_PG_DUMP_MODE: 'hang', FAKE_PG_DUMP_PIDFILE: pidFile };
    const multi = startCli(['run', 'both', '--profiles-dir', profiles, '--output-dir', out], { env: { ...pgEnv(cluster, app.name), ...fake }, timeout: 60_000 });
    try {
      strayPids.push(await waitForPid(pidFile));
      expect((await listTree(out)).filter((name) => name.endsWith('.lock')).sort()).toEqual([`.pgbak-both@${app.name}.lock`, `.pgbak-both@${crm.name}.lock`].sort());
      // Same profile, connected elsewhere: the same databases, refused.
      const single = await runCli(['run', 'both', '--profiles-dir', profiles, '--output-dir', out], { env: pgEnv(cluster, crm.name) });
      expect(single.exitCode).toBe(1);
      expect(single.stderr).toMatch(/another run of profile "both" for database "\S+" is in progress/);
    } finally {
      multi.kill('SIGTERM');
    }
    expect((await multi).exitCode).toBe(143);
    expect((await listTree(out)).filter((name) => name.endsWith('.lock'))).toEqual([]);
  });
});
