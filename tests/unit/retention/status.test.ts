import { backupStatus } from '../../../lib/retention/status.js';
import { useBackupDir, writeFakeBackup } from './fake-backups.js';

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
});
