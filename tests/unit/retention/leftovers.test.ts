import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { currentOwner, OWNER_FILE, type ProcessOwner } from '../../../lib/process/owner.js';
import { removeLeftovers } from '../../../lib/retention/leftovers.js';
import { scanBackups } from '../../../lib/retention/scan.js';
import { deadOwner, filesIn, useBackupDir, writeRunLog } from './fake-backups.js';

const dir = useBackupDir();

async function partialOf(owner: ProcessOwner, startedAt: string): Promise<void> {
  const log = await writeRunLog(dir(), { profile: 'nightly', databases: ['app'], startedAt, owner });
  await writeFile(log.replace(/\.log$/, '.zip.partial'), 'half a zip');
}

async function tempFolder(name: string, owner: ProcessOwner | null): Promise<void> {
  await mkdir(join(dir(), name));
  await writeFile(join(dir(), name, 'toc.dat'), 'dump');
  if (owner) await writeFile(join(dir(), name, OWNER_FILE), JSON.stringify(owner));
}

describe('removeLeftovers', () => {
  it('removes the .partial, temp folders and locks of runs that are gone, keeps their logs, and reports them first in a dry run', async () => {
    const dead = await deadOwner();
    await partialOf(dead, '2024-01-01T01:00:00Z');
    await tempFolder('.pgbak-tmp-abc123', dead);
    await tempFolder('.pgbak-native-def456', dead);
    await writeFile(join(dir(), '.pgbak-nightly@app.lock'), JSON.stringify({ ...dead, startedAt: '2024-01-01T01:00:00Z' }));
    const before = await filesIn(dir());

    const dry = await removeLeftovers(dir(), { dryRun: true });
    expect(dry.map((l) => [l.file, l.kind, l.action])).toEqual([
      ['.pgbak-native-def456', 'temp-folder', 'would-remove'],
      ['.pgbak-nightly@app.lock', 'lock', 'would-remove'],
      ['.pgbak-tmp-abc123', 'temp-folder', 'would-remove'],
      ['nightly-app-20240101T010000Z.zip.partial', 'partial', 'would-remove'],
    ]);
    expect(dry[3]!.why).toMatch(new RegExp(`^unfinished backup of a run that is gone \\(pid ${dead.pid} on `));
    expect(await filesIn(dir())).toEqual(before);

    const done = await removeLeftovers(dir());
    expect(done.map((l) => l.action)).toEqual(['removed', 'removed', 'removed', 'removed']);
    // The log stays: it is the record of the failed run.
    expect(await filesIn(dir())).toEqual(['nightly-app-20240101T010000Z.log']);
    expect((await scanBackups(dir())).failedRuns.map((f) => f.file)).toEqual(['nightly-app-20240101T010000Z.log']);
  });

  it('never removes what a live run, a run on another host, or an unrecorded owner left', async () => {
    const me = await currentOwner();
    await partialOf(me, '2024-01-01T01:00:00Z');
    await partialOf({ ...(await deadOwner()), host: 'elsewhere.example' }, '2024-01-02T01:00:00Z');
    await writeFile(join(dir(), 'nightly-app-20240103T010000Z.zip.partial'), 'no log beside it');
    await tempFolder('.pgbak-tmp-live', me);
    await tempFolder('.pgbak-tmp-unowned', null);
    await writeFile(join(dir(), '.pgbak-nightly@app.lock'), JSON.stringify({ ...me, pid: process.ppid, startTicks: null, startedAt: '2024-01-01T01:00:00Z' }));
    await writeFile(join(dir(), '.pgbak-nightly@crm.lock'), 'not a lock record');
    const before = await filesIn(dir());
    expect(await removeLeftovers(dir())).toEqual([]);
    expect(await filesIn(dir())).toEqual(before);
  });
});
