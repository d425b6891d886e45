import { backupStatus } from '../../../lib/retention/status.js';
import { currentOwner } from '../../../lib/process/owner.js';
import { deadOwner, filesIn, useBackupDir, writeFakeBackup, writeRunLog } from './fake-backups.js';

const dir = useBackupDir();
const now = new Date('2024-03-01T12:00:00Z');
const HOUR = 3_600_000;

describe('backupStatus', () => {
  beforeEach(async () => {
    await writeFakeBackup(dir(), { profile: 'nightly', database: 'app', startedAt: '2024-02-28T01:00:00Z', verified: true });
    await writeFakeBackup(dir(), { profile: 'nightly', database: 'app', startedAt: '2024-03-01T01:00:00Z', verified: false });
    await writeFakeBackup(dir(), { profile: 'weekly', database: 'app', startedAt: '2024-02-20T01:00:00Z' });
  });

  it('reports the last success and last verified backup per profile and database', async () => {
    const report = await backupStatus({ outputDir: dir(), now });
    expect(report.groups.map((g) => [g.profile, g.database, g.count, g.lastSuccess?.startedAt, g.lastSuccess?.ageMs, g.lastVerified?.startedAt ?? null, g.lastFailedVerification])).toEqual([
      ['nightly', 'app', 2, '2024-03-01T01:00:00.000Z', 11 * HOUR, '2024-02-28T01:00:00.000Z', true],
      ['weekly', 'app', 1, '2024-02-20T01:00:00.000Z', (10 * 24 + 11) * HOUR, null, false],
    ]);
    expect(report).toMatchObject({ stale: false, problems: [], maxAgeMs: null });
  });

  it('does not count a verification that could not run as a failed one', async () => {
    await writeFakeBackup(dir(), { profile: 'nightly', database: 'app', startedAt: '2024-03-01T06:00:00Z', verified: 'not verified' });
    const report = await backupStatus({ outputDir: dir(), now });
    const nightly = report.groups.find((g) => g.profile === 'nightly')!;
    expect(nightly.lastSuccess?.startedAt).toBe('2024-03-01T06:00:00.000Z');
    expect(nightly.lastFailedVerification).toBe(false);
    expect(nightly.lastVerified?.startedAt).toBe('2024-02-28T01:00:00.000Z');
  });

  it('marks a group stale when its newest backup is older than maxAge', async () => {
    const report = await backupStatus({ outputDir: dir(), now, maxAgeMs: 26 * HOUR });
    expect(report.groups.map((g) => g.stale)).toEqual([false, true]);
    expect(report.problems).toEqual(['STALE weekly/app: newest backup weekly-app-20240220T010000Z.zip is 10d 11h old, limit 26h']);
    expect(report.stale).toBe(true);
  });

  it('is stale when a watched profile has no backup at all', async () => {
    const report = await backupStatus({ outputDir: dir(), now, maxAgeMs: 26 * HOUR, profile: 'hourly' });
    expect(report.groups).toEqual([]);
    expect(report.problems).toEqual([expect.stringMatching(/^no backup of profile hourly in /)]);
  });

  it('gives each database of a multi-database backup its own row, so --max-age judges each database', async () => {
    await writeFakeBackup(dir(), { profile: 'all', database: 'app', alsoDumps: ['crm', 'shop'], startedAt: '2024-02-25T01:00:00Z' });
    await writeFakeBackup(dir(), { profile: 'all', database: 'app', startedAt: '2024-03-01T01:00:00Z' });
    await writeFakeBackup(dir(), { profile: 'all', database: 'crm', startedAt: '2024-03-01T02:00:00Z' });
    const report = await backupStatus({ outputDir: dir(), now, maxAgeMs: 26 * HOUR, profile: 'all' });
    expect(report.groups.map((g) => [g.database, g.count, g.lastSuccess?.file, g.stale])).toEqual([
      ['app', 2, 'all-app-20240301T010000Z.zip', false],
      ['crm', 2, 'all-crm-20240301T020000Z.zip', false],
      ['shop', 1, 'all-all-20240225T010000Z.zip', true],
    ]);
    expect(report.problems).toEqual(['STALE all/shop: newest backup all-all-20240225T010000Z.zip is 5d 11h old, limit 26h']);
  });

  it('never calls a database stale that a newer databases: all run no longer holds (dropped since)', async () => {
    await writeFakeBackup(dir(), { profile: 'all', database: 'app', alsoDumps: ['old'], allDatabases: true, startedAt: '2024-02-20T01:00:00Z' });
    await writeFakeBackup(dir(), { profile: 'all', database: 'app', allDatabases: true, startedAt: '2024-03-01T01:00:00Z', file: 'all-all-20240301T010000Z.zip' });
    const report = await backupStatus({ outputDir: dir(), now, maxAgeMs: 26 * HOUR, profile: 'all' });
    expect(report.groups.map((g) => [g.database, g.dropped, g.stale])).toEqual([
      ['app', false, false],
      ['old', true, false],
    ]);
    expect(report.stale).toBe(false);
  });

  it('keeps the archives of one per-database run from calling each other dropped; a newer run without a database drops it', async () => {
    const first = { startedAt: '2024-02-29T01:00:00.000Z', databases: ['app', 'crm'], allDatabases: true as const };
    await writeFakeBackup(dir(), { profile: 'fleet', database: 'app', startedAt: '2024-02-29T01:00:10Z', fleet: first });
    await writeFakeBackup(dir(), { profile: 'fleet', database: 'crm', startedAt: '2024-02-29T01:00:20Z', fleet: first });
    await writeFakeBackup(dir(), { profile: 'fleet', database: 'postgres', startedAt: '2024-02-29T01:00:00Z', file: 'fleet-globals-20240229T010000Z.zip', fleet: { ...first, globals: true } });
    const one = await backupStatus({ outputDir: dir(), now, profile: 'fleet' });
    expect(one.groups.map((g) => [g.database, g.dropped])).toEqual([
      ['(globals)', false],
      ['app', false],
      ['crm', false],
    ]);
    // The next night crm is gone: its archive from the night before is "dropped", not stale. The
    // globals were not written that night: stale (they are in no run's list of databases, so never dropped).
    await writeFakeBackup(dir(), { profile: 'fleet', database: 'app', startedAt: '2024-03-01T01:00:05Z', fleet: { ...first, startedAt: '2024-03-01T01:00:00.000Z', databases: ['app'] } });
    const two = await backupStatus({ outputDir: dir(), now, maxAgeMs: 26 * HOUR, profile: 'fleet' });
    expect(two.groups.map((g) => [g.database, g.count, g.dropped, g.stale])).toEqual([
      ['(globals)', 1, false, true],
      ['app', 2, false, false],
      ['crm', 1, true, false],
    ]);
  });

  it('flags a newest backup much smaller than the one before it, and says where and from which host', async () => {
    await writeFakeBackup(dir(), { profile: 'trend', database: 'app', startedAt: '2024-02-29T01:00:00Z' });
    await writeFakeBackup(dir(), { profile: 'trend', database: 'app', startedAt: '2024-03-01T01:00:00Z' });
    const report = await backupStatus({ outputDir: dir(), now, profile: 'trend' });
    const [group] = report.groups;
    // Two fake archives of the same size: no shrink; a share above 1 flags anything not larger.
    expect(group).toMatchObject({ host: 'db.internal', location: dir(), shrunk: null, previousBytes: group!.lastSuccess!.bytes });
    const strict = await backupStatus({ outputDir: dir(), now, profile: 'trend', shrinkBelow: 1.01 });
    expect(strict.groups[0]!.shrunk).toEqual({ bytes: group!.lastSuccess!.bytes, previousBytes: group!.lastSuccess!.bytes, ratio: 1 });
  });

  it('shows the last failed run beside the last success, with why it failed, from its log', async () => {
    await writeRunLog(dir(), { profile: 'nightly', databases: ['app'], startedAt: '2024-03-01T05:00:00Z', failure: 'no space left on device', owner: await deadOwner() });
    const report = await backupStatus({ outputDir: dir(), now });
    const nightly = report.groups.find((g) => g.profile === 'nightly')!;
    expect(nightly).toMatchObject({
      lastSuccess: { startedAt: '2024-03-01T01:00:00.000Z' },
      lastFailure: { file: 'nightly-app-20240301T050000Z.log', startedAt: '2024-03-01T05:00:00Z', failedAt: '2024-03-01T05:00:30.000Z', reason: 'no space left on device' },
      failing: true,
      stale: false,
    });
    expect(report.groups.find((g) => g.profile === 'weekly')).toMatchObject({ lastFailure: null, failing: false });
  });

  it('reports a run killed without a word as failed once its process is gone, and a live one as running', async () => {
    await writeRunLog(dir(), { profile: 'weekly', databases: ['app'], startedAt: '2024-02-27T01:00:00Z', owner: await deadOwner() });
    await writeRunLog(dir(), { profile: 'nightly', databases: ['app'], startedAt: '2024-03-01T11:00:00Z', owner: await currentOwner() });
    const report = await backupStatus({ outputDir: dir(), now });
    expect(report.groups.find((g) => g.profile === 'nightly')).toMatchObject({
      lastFailure: null,
      running: { startedAt: '2024-03-01T11:00:00Z', ageMs: HOUR, pid: process.pid },
    });
    const weekly = report.groups.find((g) => g.profile === 'weekly')!;
    expect(weekly.failing).toBe(true);
    expect(weekly.lastFailure!.reason).toMatch(/^the run ended without finishing: process \d+ is gone \(killed\?\)/);
  });

  it('lists a database that only ever failed, stale under --max-age', async () => {
    await writeRunLog(dir(), { profile: 'nightly', databases: ['crm'], startedAt: '2024-03-01T01:00:00Z', failure: 'connection refused', owner: await deadOwner() });
    const report = await backupStatus({ outputDir: dir(), now, maxAgeMs: 26 * HOUR, profile: 'nightly' });
    expect(report.groups.map((g) => [g.database, g.count, g.lastSuccess, g.stale])).toEqual([
      ['app', 2, expect.anything(), false],
      ['crm', 0, null, true],
    ]);
    expect(report.problems).toEqual([expect.stringMatching(/^STALE nightly\/crm: no successful backup; the last run failed 10h 59m ago: connection refused$/)]);
    // The failure record stays: status reads, it does not prune.
    expect(await filesIn(dir())).toContain('nightly-crm-20240301T010000Z.log');
  });
});
