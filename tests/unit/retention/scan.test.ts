import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scanBackups } from '../../../lib/retention/scan.js';
import { currentOwner } from '../../../lib/process/owner.js';
import { deadOwner, useBackupDir, writeFakeBackup, writeForeignZip, writeRunLog } from './fake-backups.js';

const dir = useBackupDir();

describe('scanBackups', () => {
  it('reads profile, database, start time, steps and size from each manifest, newest first', async () => {
    const older = await writeFakeBackup(dir(), { profile: 'nightly', database: 'app', startedAt: '2024-02-28T01:00:00Z' });
    await writeFakeBackup(dir(), { profile: 'nightly', database: 'app', startedAt: '2024-02-29T01:00:00Z', alsoDumps: ['billing'] });
    const { backups, ignored } = await scanBackups(dir());
    expect(ignored).toEqual([]);
    expect(backups.map((b) => [b.file, b.profile, b.database, b.databases, b.startedAt])).toEqual([
      ['nightly-all-20240229T010000Z.zip', 'nightly', 'app', ['app', 'billing'], '2024-02-29T01:00:00.000Z'],
      ['nightly-app-20240228T010000Z.zip', 'nightly', 'app', ['app'], '2024-02-28T01:00:00.000Z'],
    ]);
    expect(backups[1]).toMatchObject({ path: older, steps: [{ name: 'full', kind: 'full', database: 'app' }], verification: null });
    expect(backups[1]!.size).toBeGreaterThan(100);
  });

  it('lists the logs of failed runs (no zip beside them), newest first, but not those of live runs or older pgbaks', async () => {
    const dead = await deadOwner();
    await writeFakeBackup(dir(), { profile: 'nightly', database: 'app', startedAt: '2024-02-27T01:00:00Z' });
    await writeRunLog(dir(), { profile: 'nightly', databases: ['app', 'crm'], startedAt: '2024-02-28T01:00:00Z', failure: 'pg_dump exited with code 1', owner: dead });
    await writeRunLog(dir(), { profile: 'nightly', databases: ['app'], startedAt: '2024-02-29T01:00:00Z', owner: dead });
    await writeRunLog(dir(), { profile: 'nightly', databases: ['app'], startedAt: '2024-03-01T01:00:00Z', owner: await currentOwner() });
    await writeFile(join(dir(), 'nightly-app-20240226T010000Z.log'), '{"level":"info","message":"an older pgbak"}\n');
    const { failedRuns } = await scanBackups(dir());
    expect(failedRuns.map((f) => [f.file, f.profile, f.databases, f.startedAt, f.reason])).toEqual([
      ['nightly-app-20240229T010000Z.log', 'nightly', ['app'], '2024-02-29T01:00:00Z', expect.stringMatching(/^the run ended without finishing: process \d+ is gone/)],
      ['nightly-all-20240228T010000Z.log', 'nightly', ['app', 'crm'], '2024-02-28T01:00:00Z', 'pg_dump exited with code 1'],
    ]);
  });

  it('reads the verification record, and treats a malformed one as not verified', async () => {
    await writeFakeBackup(dir(), { profile: 'p', database: 'a', startedAt: '2024-01-01T01:00:00Z', verified: true });
    await writeFakeBackup(dir(), { profile: 'p', database: 'a', startedAt: '2024-01-02T01:00:00Z', verified: false });
    await writeFakeBackup(dir(), { profile: 'p', database: 'a', startedAt: '2024-01-03T01:00:00Z', verified: 'malformed' });
    const { backups } = await scanBackups(dir());
    expect(backups.map((b) => b.verification)).toEqual([null, { ok: false, verifiedAt: '2024-01-02T05:00:00Z' }, { ok: true, verifiedAt: '2024-01-01T05:00:00Z' }]);
    expect(backups[0]!.verificationProblem).toMatch(/is not JSON$/);
  });

  it('tells a verification that could not run ("not verified", with why) from a failed one', async () => {
    await writeFakeBackup(dir(), { profile: 'p', database: 'a', startedAt: '2024-01-01T01:00:00Z', verified: 'not verified' });
    const [backup] = (await scanBackups(dir())).backups;
    expect(backup!.verification).toEqual({ ok: false, notVerified: 'cannot connect to db:5432: connection refused', verifiedAt: '2024-01-01T05:00:00Z' });
  });

  it('ignores a verification record written for a file of another size', async () => {
    const path = await writeFakeBackup(dir(), { profile: 'p', database: 'a', startedAt: '2024-01-01T01:00:00Z' });
    await writeFile(`${path}.verified.json`, JSON.stringify({ ok: true, verifiedAt: '2024-01-01T05:00:00Z', archiveBytes: 1 }));
    const [backup] = (await scanBackups(dir())).backups;
    expect(backup!.verification).toBeNull();
    expect(backup!.verificationProblem).toMatch(/is for a file of 1 bytes/);
  });

  it('lists foreign zips, damaged zips and .partial files as ignored, never as backups', async () => {
    await writeForeignZip(dir(), 'photos.zip');
    await writeFile(join(dir(), 'broken.zip'), 'not a zip at all');
    await writeFile(join(dir(), 'nightly-app-20240101T010000Z.zip.partial'), 'half');
    await writeFile(join(dir(), 'notes.txt'), 'hello');
    const { backups, ignored } = await scanBackups(dir());
    expect(backups).toEqual([]);
    expect(ignored.map((i) => [i.file, i.reason])).toEqual([
      ['broken.zip', expect.any(String)],
      ['nightly-app-20240101T010000Z.zip.partial', expect.stringContaining('unfinished')],
      ['photos.zip', 'no manifest.json: not written by pgbak'],
    ]);
  });

  it('finds no backups in a folder that does not exist', async () => {
    await expect(scanBackups(join(dir(), 'missing'))).resolves.toMatchObject({ backups: [], ignored: [] });
  });

  it('reports a folder it cannot read as OUTPUT_UNREADABLE', async () => {
    const file = join(dir(), 'a-file');
    await writeFile(file, '');
    await expect(scanBackups(file)).rejects.toMatchObject({ code: 'OUTPUT_UNREADABLE', exitCode: 1 });
  });
});
