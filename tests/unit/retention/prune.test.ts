import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyRetention } from '../../../lib/retention/apply-retention.js';
import { pruneBackups } from '../../../lib/retention/prune.js';
import { currentOwner } from '../../../lib/process/owner.js';
import { describeReasons } from '../../../lib/retention/select.js';
import { deadOwner, everyDay, filesIn, useBackupDir, writeFakeBackup, writeForeignZip, writeRunLog } from './fake-backups.js';

const dir = useBackupDir();

async function days(profile: string, database: string, from: string, to: string, verifiedOn?: string): Promise<void> {
  for (const startedAt of everyDay(from, to)) {
    await writeFakeBackup(dir(), { profile, database, startedAt, ...(startedAt.startsWith(verifiedOn ?? '-') ? { verified: true } : {}) });
  }
}

describe('pruneBackups', () => {
  it('deletes the zip, its log and its verification record, and keeps what the policy keeps', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-04');
    await writeFile(join(dir(), 'nightly-app-20240101T010000Z.zip.verified.json'), '{"ok":false}');
    const result = await pruneBackups({ outputDir: dir(), policy: { keepLast: 2 } });
    expect(result.items.map((i) => [i.file, i.action])).toEqual([
      ['nightly-app-20240101T010000Z.zip', 'deleted'],
      ['nightly-app-20240102T010000Z.zip', 'deleted'],
      ['nightly-app-20240103T010000Z.zip', 'kept'],
      ['nightly-app-20240104T010000Z.zip', 'kept'],
    ]);
    expect(result.items[0]!.removed!.map((p) => p.slice(dir().length + 1))).toEqual([
      'nightly-app-20240101T010000Z.zip',
      'nightly-app-20240101T010000Z.log',
      'nightly-app-20240101T010000Z.zip.verified.json',
    ]);
    expect(result).toMatchObject({ deleted: 2, failed: 0, dryRun: false });
    expect(await filesIn(dir())).toEqual([
      'nightly-app-20240103T010000Z.log',
      'nightly-app-20240103T010000Z.zip',
      'nightly-app-20240104T010000Z.log',
      'nightly-app-20240104T010000Z.zip',
    ]);
  });

  it('deletes nothing in a dry run but says what would go', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-04');
    const before = await filesIn(dir());
    const result = await pruneBackups({ outputDir: dir(), policy: { keepLast: 1 }, dryRun: true });
    expect(result.items.map((i) => i.action)).toEqual(['would-delete', 'would-delete', 'would-delete', 'kept']);
    expect(result.deleted).toBe(0);
    expect(await filesIn(dir())).toEqual(before);
  });

  it('never touches foreign zips or .partial files', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-03');
    await writeForeignZip(dir(), 'nightly-app-20230101T010000Z.zip');
    await writeFile(join(dir(), 'nightly-app-20240104T010000Z.zip.partial'), 'half');
    const result = await pruneBackups({ outputDir: dir(), policy: { keepLast: 1 } });
    expect(result.deleted).toBe(2);
    expect(result.ignored.map((i) => i.file)).toEqual(['nightly-app-20230101T010000Z.zip', 'nightly-app-20240104T010000Z.zip.partial']);
    expect(await filesIn(dir())).toEqual(expect.arrayContaining(['nightly-app-20230101T010000Z.zip', 'nightly-app-20240104T010000Z.zip.partial']));
  });

  it('keeps the newest verified backup that the policy would drop', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-05', '2024-01-02');
    const result = await pruneBackups({ outputDir: dir(), policy: { keepLast: 1 } });
    expect(result.items.filter((i) => i.action === 'kept').map((i) => [i.file, i.reasons.map((r) => r.rule)])).toEqual([
      ['nightly-app-20240102T010000Z.zip', ['newest-verified']],
      ['nightly-app-20240105T010000Z.zip', ['keep-last']],
    ]);
  });

  it('prunes only the profile and database asked for', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-03');
    await days('nightly', 'billing', '2024-01-01', '2024-01-03');
    await days('hourly', 'app', '2024-01-01', '2024-01-03');
    const result = await pruneBackups({ outputDir: dir(), policy: { keepLast: 1 }, profile: 'nightly', database: 'billing' });
    expect(result.groups.map((g) => `${g.profile}/${g.database}`)).toEqual(['nightly/billing']);
    expect(result.deleted).toBe(2);
    expect((await filesIn(dir())).filter((f) => f.endsWith('.zip'))).toHaveLength(7);
  });

  it('skips a profile whose run lock exists, and says so', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-03');
    await days('hourly', 'app', '2024-01-01', '2024-01-03');
    await writeFile(join(dir(), '.pgbak-nightly@app.lock'), JSON.stringify({ pid: 1, host: 'x', startedAt: '2024-01-03T01:00:00Z' }));
    const result = await pruneBackups({ outputDir: dir(), policy: { keepLast: 1 } });
    const nightly = result.groups.find((g) => g.profile === 'nightly')!;
    expect(nightly.skipped).toMatch(/a run of profile "nightly" for database "app" holds .*\.pgbak-nightly@app\.lock/);
    expect(result.items.filter((i) => i.profile === 'nightly').map((i) => i.action)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(result.deleted).toBe(2);
  });

  it('reports a backup it cannot delete and goes on with the others', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-03');
    // A directory where the log should be: unlink fails (EISDIR/EPERM) after the zip is gone.
    await rm(join(dir(), 'nightly-app-20240101T010000Z.log'));
    await mkdir(join(dir(), 'nightly-app-20240101T010000Z.log'));
    const result = await pruneBackups({ outputDir: dir(), policy: { keepLast: 1 } });
    expect(result.items.map((i) => i.action)).toEqual(['failed', 'deleted', 'kept']);
    expect(result.items[0]!.message).toMatch(/cannot remove .*nightly-app-20240101T010000Z\.log: .*\(already removed: .*\.zip\)/);
    expect(result).toMatchObject({ deleted: 1, failed: 1 });
  });

  it('looks up each profile\'s own policy when given a function, and keeps everything without one', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-03');
    await days('adhoc', 'app', '2024-01-01', '2024-01-03');
    const result = await pruneBackups({
      outputDir: dir(),
      policy: async (profile) => (profile === 'nightly' ? { policy: { keepLast: 1 }, source: 'nightly.yaml' } : { policy: null, source: 'none' }),
    });
    expect(result.groups.map((g) => [g.profile, g.policySource])).toEqual([['adhoc', 'none'], ['nightly', 'nightly.yaml']]);
    expect(result.items.filter((i) => i.profile === 'adhoc').every((i) => i.action === 'kept' && i.reasons[0]!.rule === 'no-policy')).toBe(true);
    expect(result.deleted).toBe(2);
  });
});

describe('pruneBackups with multi-database backups', () => {
  it('puts a zip that holds several databases in each of their groups and deletes it only when none keeps it', async () => {
    // Two databases: all runs, then single-database runs of app only.
    await writeFakeBackup(dir(), { profile: 'nightly', database: 'app', alsoDumps: ['crm'], startedAt: '2024-01-01T01:00:00Z' });
    await writeFakeBackup(dir(), { profile: 'nightly', database: 'app', alsoDumps: ['crm'], startedAt: '2024-01-02T01:00:00Z' });
    await days('nightly', 'app', '2024-01-03', '2024-01-04');
    const result = await pruneBackups({ outputDir: dir(), policy: { keepLast: 1 } });
    expect(result.groups.map((g) => `${g.profile}/${g.database}`)).toEqual(['nightly/app', 'nightly/crm']);
    expect(result.items.map((i) => [i.database, i.file, i.action, describeReasons(i.reasons)])).toEqual([
      ['app', 'nightly-all-20240101T010000Z.zip', 'deleted', ''],
      ['app', 'nightly-all-20240102T010000Z.zip', 'kept', 'kept for database crm'],
      ['app', 'nightly-app-20240103T010000Z.zip', 'deleted', ''],
      ['app', 'nightly-app-20240104T010000Z.zip', 'kept', 'keep-last, newest'],
      ['crm', 'nightly-all-20240101T010000Z.zip', 'deleted', ''],
      ['crm', 'nightly-all-20240102T010000Z.zip', 'kept', 'keep-last, newest'],
    ]);
    expect(result).toMatchObject({ deleted: 2, failed: 0 });
    expect((await filesIn(dir())).filter((f) => f.endsWith('.zip'))).toEqual(['nightly-all-20240102T010000Z.zip', 'nightly-app-20240104T010000Z.zip']);
  });

  it('lets the zips of a database that newer databases: all runs no longer hold age out with the others', async () => {
    await writeFakeBackup(dir(), { profile: 'all', database: 'app', alsoDumps: ['old'], allDatabases: true, startedAt: '2024-01-01T01:00:00Z' });
    await writeFakeBackup(dir(), { profile: 'all', database: 'app', alsoDumps: ['old'], allDatabases: true, startedAt: '2024-01-02T01:00:00Z' });
    await writeFakeBackup(dir(), { profile: 'all', database: 'app', allDatabases: true, startedAt: '2024-01-03T01:00:00Z', file: 'all-all-20240103T010000Z.zip' });
    await writeFakeBackup(dir(), { profile: 'all', database: 'app', allDatabases: true, startedAt: '2024-01-04T01:00:00Z', file: 'all-all-20240104T010000Z.zip' });
    const result = await pruneBackups({ outputDir: dir(), policy: { keepLast: 2 } });
    expect(result.groups.map((g) => [g.database, g.dropped ?? false])).toEqual([['app', false], ['old', true]]);
    expect((await filesIn(dir())).filter((f) => f.endsWith('.zip'))).toEqual(['all-all-20240103T010000Z.zip', 'all-all-20240104T010000Z.zip']);
  });

  it('with --database, still keeps a zip that another database it holds needs', async () => {
    await writeFakeBackup(dir(), { profile: 'nightly', database: 'app', alsoDumps: ['crm'], startedAt: '2024-01-01T01:00:00Z' });
    await days('nightly', 'app', '2024-01-02', '2024-01-03');
    const result = await pruneBackups({ outputDir: dir(), policy: { keepLast: 1 }, database: 'app' });
    expect(result.groups.map((g) => g.database)).toEqual(['app']);
    expect(result.items.map((i) => [i.file, i.action])).toEqual([
      ['nightly-all-20240101T010000Z.zip', 'kept'],
      ['nightly-app-20240102T010000Z.zip', 'deleted'],
      ['nightly-app-20240103T010000Z.zip', 'kept'],
    ]);
  });
});

describe('pruneBackups and failed runs', () => {
  it('deletes logs of failed runs older than the oldest kept backup, keeps newer ones, and never a log of a live run', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-04');
    const owner = await deadOwner();
    await writeRunLog(dir(), { profile: 'nightly', databases: ['app'], startedAt: '2023-12-31T01:00:00Z', failure: 'pg_dump exited with code 1', owner, archive: 'nightly-app-20231231T010000Z.zip' });
    await writeRunLog(dir(), { profile: 'nightly', databases: ['app'], startedAt: '2024-01-02T02:00:00Z', owner, archive: 'nightly-app-20240102T020000Z.zip' });
    await writeRunLog(dir(), { profile: 'nightly', databases: ['app'], startedAt: '2024-01-04T02:00:00Z', failure: 'disk full', owner, archive: 'nightly-app-20240104T020000Z.zip' });
    // A run in progress (this process): its log is not a failure.
    await writeRunLog(dir(), { profile: 'nightly', databases: ['app'], startedAt: '2023-12-30T02:00:00Z', owner: await currentOwner(), archive: 'nightly-app-20231230T020000Z.zip' });
    const dry = await pruneBackups({ outputDir: dir(), policy: { keepLast: 2 }, dryRun: true });
    expect(dry.logs.map((l) => [l.file, l.action])).toEqual([
      ['nightly-app-20240102T020000Z.log', 'would-delete'],
      ['nightly-app-20231231T010000Z.log', 'would-delete'],
    ]);
    const result = await pruneBackups({ outputDir: dir(), policy: { keepLast: 2 } });
    expect(result.logs.map((l) => [l.file, l.action])).toEqual([
      ['nightly-app-20240102T020000Z.log', 'deleted'],
      ['nightly-app-20231231T010000Z.log', 'deleted'],
    ]);
    expect((await filesIn(dir())).filter((f) => f.endsWith('.log'))).toEqual([
      'nightly-app-20231230T020000Z.log',
      'nightly-app-20240103T010000Z.log',
      'nightly-app-20240104T010000Z.log',
      'nightly-app-20240104T020000Z.log',
    ]);
  });

  it('keeps every failed-run log of a group that has no backup, and all of them without a policy', async () => {
    await days('nightly', 'app', '2024-01-02', '2024-01-03');
    const owner = await deadOwner();
    await writeRunLog(dir(), { profile: 'nightly', databases: ['app'], startedAt: '2024-01-01T01:00:00Z', failure: 'x', owner, archive: 'nightly-app-20240101T010000Z.zip' });
    await writeRunLog(dir(), { profile: 'nightly', databases: ['crm'], startedAt: '2024-01-01T01:00:00Z', failure: 'x', owner });
    expect((await pruneBackups({ outputDir: dir(), policy: {} })).logs).toEqual([]);
    const result = await pruneBackups({ outputDir: dir(), policy: { keepLast: 1 } });
    expect(result.logs.map((l) => l.file)).toEqual(['nightly-app-20240101T010000Z.log']);
    expect(await filesIn(dir())).toContain('nightly-crm-20240101T010000Z.log');
  });
});

describe('applyRetention', () => {
  it("prunes only the run's own profile, its own lock notwithstanding", async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-03');
    await days('hourly', 'app', '2024-01-01', '2024-01-03');
    await writeFile(join(dir(), '.pgbak-nightly@app.lock'), JSON.stringify({ ...(await currentOwner()), startedAt: '2024-01-04T01:00:00Z' }));
    const result = await applyRetention({ outputDir: dir(), profile: 'nightly', policy: { keepDaily: 1 } });
    expect(result).toMatchObject({ deleted: 2, failed: 0 });
    expect((await filesIn(dir())).filter((f) => f.startsWith('hourly') && f.endsWith('.zip'))).toHaveLength(3);
  });

  it('skips a database of the profile whose lock another live run holds (two databases run in parallel)', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-03');
    await days('nightly', 'crm', '2024-01-01', '2024-01-03');
    const me = await currentOwner();
    await writeFile(join(dir(), '.pgbak-nightly@app.lock'), JSON.stringify({ ...me, startedAt: '2024-01-04T01:00:00Z' }));
    // The parent of this test process: alive, and not us.
    await writeFile(join(dir(), '.pgbak-nightly@crm.lock'), JSON.stringify({ ...me, pid: process.ppid, startTicks: null, startedAt: '2024-01-04T01:00:00Z' }));
    const result = await applyRetention({ outputDir: dir(), profile: 'nightly', policy: { keepLast: 1 } });
    expect(result!.groups.map((g) => [g.database, g.skipped === undefined])).toEqual([['app', true], ['crm', false]]);
    expect(result).toMatchObject({ deleted: 2, failed: 0 });
    expect((await filesIn(dir())).filter((f) => f.startsWith('nightly-crm') && f.endsWith('.zip'))).toHaveLength(3);
  });

  it('does nothing without a policy', async () => {
    await days('nightly', 'app', '2024-01-01', '2024-01-03');
    await expect(applyRetention({ outputDir: dir(), profile: 'nightly', policy: undefined })).resolves.toBeNull();
    await expect(applyRetention({ outputDir: dir(), profile: 'nightly', policy: { keepLast: 0 } })).resolves.toBeNull();
  });
});
