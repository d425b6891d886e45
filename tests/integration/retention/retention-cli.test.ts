// list, prune and status through the real CLI on folders of fake-aged backups:
// real zips written by pgbak's ZipWriter with manifests dated in the past. No
// PostgreSQL is needed here (see end-to-end.test.ts for a real run).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { runCli } from '../../support/cli.js';
import { deadOwner, everyDay, filesIn, writeFakeBackup, writeForeignZip, writeRunLog } from '../../unit/retention/fake-backups.js';

jest.setTimeout(60_000);

const HOUR = 3_600_000;
const made: string[] = [];
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgbak-retention-cli-'));
  made.push(dir);
});

afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

const hoursAgo = (hours: number) => new Date(Date.now() - hours * HOUR).toISOString();
const zips = async (folder = dir) => (await filesIn(folder)).filter((f) => f.endsWith('.zip'));

async function days(profile: string, database: string, from: string, to: string): Promise<void> {
  for (const startedAt of everyDay(from, to)) await writeFakeBackup(dir, { profile, database, startedAt });
}

describe('pgbak list', () => {
  beforeEach(async () => {
    await writeFakeBackup(dir, { profile: 'nightly', database: 'app', startedAt: '2024-02-28T01:00:00Z', verified: true });
    await writeFakeBackup(dir, { profile: 'nightly', database: 'app', startedAt: '2024-02-29T01:00:00Z', verified: false });
    await writeFakeBackup(dir, { profile: 'nightly', database: 'app', startedAt: '2024-03-01T01:00:00Z' });
    await writeFakeBackup(dir, { profile: 'hourly', database: 'billing', startedAt: '2024-03-01T02:30:00Z' });
    await writeForeignZip(dir, 'holiday-photos.zip');
  });

  it('prints a table with profile, database, UTC time, age, size, verified and file', async () => {
    const cli = await runCli(['list', '--output-dir', dir]);
    expect(cli.exitCode).toBe(0);
    const lines = cli.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PROFILE\s+DATABASE\s+STARTED \(UTC\)\s+AGE\s+SIZE\s+VERIFIED\s+FILE$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/))).toEqual([
      ['hourly', 'billing', '2024-03-01 02:30:00Z', expect.stringMatching(/^\d+d \d+h$|^\d+d$/), expect.stringMatching(/ B$/), 'no', 'hourly-billing-20240301T023000Z.zip'],
      ['nightly', 'app', '2024-02-28 01:00:00Z', expect.any(String), expect.any(String), 'yes', 'nightly-app-20240228T010000Z.zip'],
      ['nightly', 'app', '2024-02-29 01:00:00Z', expect.any(String), expect.any(String), 'FAILED', 'nightly-app-20240229T010000Z.zip'],
      ['nightly', 'app', '2024-03-01 01:00:00Z', expect.any(String), expect.any(String), 'no', 'nightly-app-20240301T010000Z.zip'],
    ]);
    expect(cli.stderr).toContain('ignored holiday-photos.zip: no manifest.json: not written by pgbak');
  });

  it('prints one JSON object with --json, filtered by --profile', async () => {
    const cli = await runCli(['list', '--output-dir', dir, '--profile', 'nightly', '--json']);
    expect(cli.exitCode).toBe(0);
    const out = JSON.parse(cli.stdout) as { outputDir: string; backups: Array<Record<string, unknown>>; ignored: Array<{ file: string }> };
    expect(out.outputDir).toBe(dir);
    expect(out.backups.map((b) => [b.file, b.database, b.verification])).toEqual([
      ['nightly-app-20240228T010000Z.zip', 'app', { ok: true, verifiedAt: '2024-02-28T05:00:00Z' }],
      ['nightly-app-20240229T010000Z.zip', 'app', { ok: false, verifiedAt: '2024-02-29T05:00:00Z' }],
      ['nightly-app-20240301T010000Z.zip', 'app', null],
    ]);
    expect(out.backups[0]).toMatchObject({ profile: 'nightly', startedAt: '2024-02-28T01:00:00.000Z', size: expect.any(Number), ageMs: expect.any(Number) });
    expect(out.ignored.map((i) => i.file)).toEqual(['holiday-photos.zip']);
  });

  it('reads the folder given as the location argument, like --output-dir', async () => {
    const cli = await runCli(['list', dir, '--json']);
    expect(cli.exitCode).toBe(0);
    const out = JSON.parse(cli.stdout) as { outputDir: string; backups: unknown[] };
    expect(out.outputDir).toBe(dir);
    expect(out.backups).toHaveLength(4);
  });

  it('reads the folder from PGBAK_OUTPUT_DIR', async () => {
    const cli = await runCli(['list', '--json'], { env: { PGBAK_OUTPUT_DIR: dir } });
    expect((JSON.parse(cli.stdout) as { backups: unknown[] }).backups).toHaveLength(4);
  });
});

describe('pgbak prune', () => {
  it('deletes what --keep-* flags do not keep and prints the reasons', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-03-31');
    const cli = await runCli(['prune', '--output-dir', dir, '--keep-daily', '3', '--keep-monthly', '3']);
    expect(cli.exitCode).toBe(0);
    expect(await zips()).toEqual([
      'nightly-app-20240131T010000Z.zip',
      'nightly-app-20240229T010000Z.zip',
      'nightly-app-20240329T010000Z.zip',
      'nightly-app-20240330T010000Z.zip',
      'nightly-app-20240331T010000Z.zip',
    ]);
    expect(cli.stdout).toContain('nightly/app: keep-daily 3, keep-monthly 3 (flags)');
    expect(cli.stdout).toMatch(/keep\s+2024-02-29 01:00:00Z\s+nightly-app-20240229T010000Z\.zip\s+\(keep-monthly 2024-02\)/);
    expect(cli.stdout).toMatch(/keep\s+2024-03-31 01:00:00Z\s+nightly-app-20240331T010000Z\.zip\s+\(keep-daily 2024-03-31, keep-monthly 2024-03, newest\)/);
    expect(cli.stdout).toMatch(/deleted\s+2024-01-01 01:00:00Z\s+nightly-app-20240101T010000Z\.zip/);
    expect(cli.stdout.trimEnd().split('\n').pop()).toBe('86 deleted, 5 kept');
    // The logs went with their zips.
    expect((await filesIn(dir)).filter((f) => f.endsWith('.log'))).toHaveLength(5);
  });

  it('deletes nothing with --dry-run and says what would go', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-05');
    const before = await filesIn(dir);
    const cli = await runCli(['prune', '--output-dir', dir, '--keep-last', '2', '--dry-run', '--json']);
    expect(cli.exitCode).toBe(0);
    const result = JSON.parse(cli.stdout) as { dryRun: boolean; deleted: number; items: Array<{ action: string }> };
    expect(result.dryRun).toBe(true);
    expect(result.items.map((i) => i.action)).toEqual(['would-delete', 'would-delete', 'would-delete', 'kept', 'kept']);
    expect(await filesIn(dir)).toEqual(before);
  });

  it("applies each profile's own retention when no flag is given, and keeps everything of a profile without one", async () => {
    const profiles = join(dir, 'profiles');
    await mkdir(profiles);
    await writeFile(join(profiles, 'nightly.yaml'), 'steps:\n  - kind: full\nretention:\n  keepLast: 2\n');
    await writeFile(join(profiles, 'adhoc.yaml'), 'steps:\n  - kind: full\n');
    await days('nightly', 'app', '2024-01-01', '2024-01-04');
    await days('adhoc', 'app', '2024-01-01', '2024-01-04');
    await days('gone', 'app', '2024-01-01', '2024-01-02');
    const cli = await runCli(['prune', '--output-dir', dir, '--profiles-dir', profiles]);
    expect(cli.exitCode).toBe(0);
    expect(await zips()).toEqual([
      'adhoc-app-20240101T010000Z.zip',
      'adhoc-app-20240102T010000Z.zip',
      'adhoc-app-20240103T010000Z.zip',
      'adhoc-app-20240104T010000Z.zip',
      'gone-app-20240101T010000Z.zip',
      'gone-app-20240102T010000Z.zip',
      'nightly-app-20240103T010000Z.zip',
      'nightly-app-20240104T010000Z.zip',
    ]);
    expect(cli.stdout).toContain(`nightly/app: keep-last 2 (${join(profiles, 'nightly.yaml')})`);
    expect(cli.stdout).toContain(`adhoc/app: keeping everything (${join(profiles, 'adhoc.yaml')} has no retention: keeping everything)`);
    expect(cli.stdout).toContain('gone/app: keeping everything (profile "gone" not found: keeping everything)');
  });

  it('still applies a retention written in the old kebab-case (keep-last), with a deprecation warning', async () => {
    const profiles = join(dir, 'profiles');
    await mkdir(profiles);
    const file = join(profiles, 'nightly.yaml');
    await writeFile(file, 'steps:\n  - kind: full\nretention:\n  keep-last: 2\n');
    await days('nightly', 'app', '2024-01-01', '2024-01-04');
    const cli = await runCli(['prune', '--output-dir', dir, '--profiles-dir', profiles]);
    expect(cli.exitCode).toBe(0);
    expect(await zips()).toEqual(['nightly-app-20240103T010000Z.zip', 'nightly-app-20240104T010000Z.zip']);
    expect(cli.stderr).toContain(`pgbak: warning: ${file}: retention.keep-last is deprecated: write keepLast`);
  });

  it('deletes the log of a failed run once it is older than the oldest kept backup, and says so', async () => {
    await days('nightly', 'app', '2024-01-02', '2024-01-04');
    const owner = await deadOwner();
    await writeRunLog(dir, { profile: 'nightly', databases: ['app'], startedAt: '2024-01-01T01:00:00Z', failure: 'pg_dump exited with code 1', owner });
    await writeRunLog(dir, { profile: 'nightly', databases: ['app'], startedAt: '2024-01-04T02:00:00Z', failure: 'server closed the connection', owner });
    const cli = await runCli(['prune', '--output-dir', dir, '--keep-last', '2']);
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout).toMatch(/^deleted\s+2024-01-01 01:00:00Z\s+nightly-app-20240101T010000Z\.log\s+\(log of a failed run, older than the oldest kept backup\)$/m);
    expect((await filesIn(dir)).filter((f) => f.endsWith('.log'))).toEqual([
      'nightly-app-20240103T010000Z.log',
      'nightly-app-20240104T010000Z.log',
      'nightly-app-20240104T020000Z.log',
    ]);
    const status = await runCli(['status', '--output-dir', dir]);
    expect(status.stdout).toMatch(/^nightly\/app: last run failed 2024-01-04 02:00:30Z: server closed the connection \(nightly-app-20240104T020000Z\.log\)$/m);
    expect(status.stdout).toMatch(/^nightly\s+app\s+2\s+.*ok, last run FAILED$/m);
  });

  it('uses the outputDir of the profile named by --profile', async () => {
    const profiles = join(dir, 'profiles');
    const out = join(dir, 'srv');
    await mkdir(profiles);
    await writeFile(join(profiles, 'nightly.yaml'), `outputDir: ${out}\nsteps:\n  - kind: full\nretention:\n  keepLast: 1\n`);
    for (const startedAt of everyDay('2024-01-01', '2024-01-03')) await writeFakeBackup(out, { profile: 'nightly', database: 'app', startedAt });
    const cli = await runCli(['prune', '--profile', 'nightly', '--profiles-dir', profiles], { cwd: dir });
    expect(cli.exitCode).toBe(0);
    expect(await zips(out)).toEqual(['nightly-app-20240103T010000Z.zip']);
  });

  it('never deletes a foreign zip or a .partial, and keeps the newest verified backup', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-05');
    await writeFakeBackup(dir, { profile: 'nightly', database: 'app', startedAt: '2023-12-01T01:00:00Z', verified: true });
    await writeForeignZip(dir, 'nightly-app-20231101T010000Z.zip');
    await writeFile(join(dir, 'nightly-app-20240106T010000Z.zip.partial'), 'a run in progress');
    const cli = await runCli(['prune', '--output-dir', dir, '--keep-last', '1']);
    expect(cli.exitCode).toBe(0);
    expect(await filesIn(dir)).toEqual([
      'nightly-app-20231101T010000Z.zip',
      'nightly-app-20231201T010000Z.log',
      'nightly-app-20231201T010000Z.zip',
      'nightly-app-20231201T010000Z.zip.verified.json',
      'nightly-app-20240105T010000Z.log',
      'nightly-app-20240105T010000Z.zip',
      'nightly-app-20240106T010000Z.zip.partial',
    ]);
    expect(cli.stdout).toMatch(/keep\s+2023-12-01 01:00:00Z\s+nightly-app-20231201T010000Z\.zip\s+\(newest-verified\)/);
  });

  it('skips a profile whose run lock exists', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-03');
    await writeFile(join(dir, '.pgbak-nightly@app.lock'), '{}');
    const cli = await runCli(['prune', '--output-dir', dir, '--keep-last', '1']);
    expect(cli.exitCode).toBe(0);
    expect(await zips()).toHaveLength(3);
    expect(cli.stdout).toContain('nightly/app: SKIPPED: a run of profile "nightly" for database "app" holds');
  });

  it.each([
    [['--keep-last', '-1'], /--keep-last must be a whole number, 0 or more; got -1/],
    [['--keep-daily', '1.5'], /--keep-daily must be a whole number/],
    [['--keep-weekly', 'many'], /--keep-weekly must be a whole number/],
  ])('refuses %p with exit 2', async (flags, message) => {
    await days('nightly', 'app', '2024-01-01', '2024-01-03');
    const cli = await runCli(['prune', '--output-dir', dir, ...flags]);
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr).toMatch(message);
    expect(await zips()).toHaveLength(3);
  });

  it('exits 1 when the output folder cannot be read', async () => {
    const file = join(dir, 'not-a-folder');
    await writeFile(file, '');
    const cli = await runCli(['prune', '--output-dir', file, '--keep-last', '1']);
    expect(cli.exitCode).toBe(1);
    expect(cli.stderr).toContain(`pgbak: error: cannot read the output folder ${file}`);
  });
});

describe('pgbak status', () => {
  beforeEach(async () => {
    await writeFakeBackup(dir, { profile: 'nightly', database: 'app', startedAt: hoursAgo(30), verified: true });
    await writeFakeBackup(dir, { profile: 'nightly', database: 'app', startedAt: hoursAgo(5) });
    await writeFakeBackup(dir, { profile: 'weekly', database: 'app', startedAt: hoursAgo(50) });
  });

  it('exits 0 when every newest backup is younger than --max-age', async () => {
    const cli = await runCli(['status', '--output-dir', dir, '--max-age', '3d']);
    expect(cli.exitCode).toBe(0);
    const lines = cli.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PROFILE\s+DATABASE\s+BACKUPS\s+LAST SUCCESS \(UTC\)\s+AGE\s+SIZE\s+LAST VERIFIED \(UTC\)\s+LAST FAILURE \(UTC\)\s+STATE$/);
    // SIZE: the newest backup's, and the one before it (the size trend).
    expect(lines[1]).toMatch(/^nightly\s+app\s+2\s+\S+ \S+Z\s+5h\s+\d+ B \(was \d+ B\)\s+\S+ \S+Z \(30h\)\s+-\s+ok$/);
    expect(lines[2]).toMatch(/^weekly\s+app\s+1\s+\S+ \S+Z\s+2d 2h\s+\d+ B\s+never\s+-\s+ok$/);
  });

  it('exits 3 with one line per stale group when a newest backup is older than --max-age', async () => {
    const cli = await runCli(['status', '--output-dir', dir, '--max-age', '26h']);
    expect(cli.exitCode).toBe(3);
    expect(cli.stdout).toMatch(/^weekly\s.*STALE$/m);
    expect(cli.stderr).toMatch(/STALE weekly\/app: newest backup weekly-app-\S+\.zip is 2d 2h old, limit 26h/);
    expect(cli.stderr).toContain(`pgbak: error: 1 of 2 backup groups in ${dir} are stale`);
  });

  it('prints the report in --json while nothing is stale', async () => {
    const cli = await runCli(['status', '--output-dir', dir, '--max-age', '3d', '--json']);
    expect(cli.exitCode).toBe(0);
    const report = JSON.parse(cli.stdout) as { stale: boolean; groups: Array<{ profile: string; stale: boolean; lastVerified: unknown }> };
    expect(report.stale).toBe(false);
    expect(report.groups.map((g) => [g.profile, g.stale, g.lastVerified !== null])).toEqual([
      ['nightly', false, true],
      ['weekly', false, false],
    ]);
  });

  it('prints one error object with the whole status report as its details in --json', async () => {
    const cli = await runCli(['status', '--output-dir', dir, '--max-age', '26h', '--json']);
    expect(cli.exitCode).toBe(3);
    const error = JSON.parse(cli.stdout) as {
      ok: boolean;
      exitCode: number;
      error: { code: string; message: string };
      details: { groups: Array<{ profile: string; stale: boolean }>; problems: string[] };
    };
    expect(error).toMatchObject({ ok: false, exitCode: 3, error: { code: 'STALE_BACKUP' } });
    expect(error.error.message).toMatch(/^1 of 2 backup groups in .* are stale$/);
    expect(error.details.groups.filter((g) => g.stale).map((g) => g.profile)).toEqual(['weekly']);
    expect(error.details.problems.join('\n')).toMatch(/STALE weekly\/app: newest backup weekly-app-\S+\.zip is 2d 2h old, limit 26h/);
  });

  it('exits 3 when the folder holds no backup at all', async () => {
    const cli = await runCli(['status', '--output-dir', join(dir, 'empty'), '--max-age', '26h']);
    expect(cli.exitCode).toBe(3);
    expect(cli.stderr).toContain(`pgbak: error: no backup in ${join(dir, 'empty')}`);
  });

  it('exits 0 without --max-age, whatever the ages', async () => {
    const cli = await runCli(['status', '--output-dir', dir]);
    expect(cli.exitCode).toBe(0);
  });

  it.each(['26', '1y', '-3h'])('refuses --max-age %p with exit 2', async (value) => {
    const cli = await runCli(['status', '--output-dir', dir, `--max-age=${value}`]);
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr).toMatch(/--max-age .* (is not a duration|must be longer than zero)/);
  });
});
