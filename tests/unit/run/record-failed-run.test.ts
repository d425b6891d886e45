// A failed run's log: what status reads of it (run record first, failure record
// last), written once, under the names a normal run would claim.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ZipWriter } from '../../../lib/archive/index.js';
import { LocalFileSink } from '../../../lib/storage/index.js';
import type { Connection } from '../../../lib/config/connection-types.js';
import type { LoadedProfile } from '../../../lib/config/load-profile.js';
import type { Profile } from '../../../lib/config/profile-schema.js';
import { PgbakError } from '../../../lib/errors.js';
import { createLogger, type PgbakLogger } from '../../../lib/log/index.js';
import { readRunLog } from '../../../lib/retention/index.js';
import { endWithFailure, recordFailedRun } from '../../../lib/run/record-failed-run.js';

let dir: string;
let logger: PgbakLogger;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pgbak-failed-run-'));
  logger = createLogger({ level: 'quiet', stderr: collect([]) });
});
afterEach(async () => {
  await logger.close();
  await rm(dir, { recursive: true, force: true });
});

function context(profile: Partial<Profile> = {}, outputDir = dir) {
  const loaded: LoadedProfile = { name: 'nightly', file: '/p/nightly.yaml', origin: 'user', sha256: 'x', profile: { steps: [{ kind: 'full' }], ...profile } as Profile };
  return { profile: loaded, overrides: {}, outputDir, connection: { database: 'app' } as Connection, now: new Date('2026-11-22T01:00:00Z') };
}

function collect(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
}

const refused = new PgbakError('CONNECT_FAILED', 'cannot connect to 127.0.0.1:1: connection refused', { hint: 'check the host and port' });

describe('recordFailedRun', () => {
  it('leaves the log a normal run would have written, with the run record and the failure record', async () => {
    const log = await recordFailedRun(context(), refused, logger);
    await logger.close();

    expect(log).toBe(path.join(dir, 'nightly-app-20261122T010000Z.log'));
    expect(await readdir(dir)).toEqual(['nightly-app-20261122T010000Z.log']);
    const read = await readRunLog(log!, path.basename(log!));
    expect(read).toMatchObject({ run: { profile: 'nightly', databases: ['app'], archive: 'nightly-app-20261122T010000Z.zip', owner: { pid: process.pid } } });
    expect(read!.failure).toMatchObject({ message: 'cannot connect to 127.0.0.1:1: connection refused' });
  });

  it('moves on to the next name past a leftover .partial and a planted symlink, never writing through the link', async () => {
    await writeFile(path.join(dir, 'nightly-app-20261122T010000Z.zip.partial'), '');
    const target = path.join(dir, 'target');
    await symlink(target, path.join(dir, 'nightly-app-20261122T010000Z-2.log'));

    const log = await recordFailedRun(context(), refused, logger);
    await logger.close();

    expect(log).toBe(path.join(dir, 'nightly-app-20261122T010000Z-3.log'));
    expect(existsSync(target)).toBe(false);
  });

  it('records a databases: all run under the database it connects to, named like an all-databases backup', async () => {
    const log = await recordFailedRun(context({ steps: [{ kind: 'full', databases: 'all' }] }), refused, logger);
    await logger.close();

    expect(path.basename(log!)).toBe('nightly-all-20261122T010000Z.log');
    expect((await readRunLog(log!, path.basename(log!)))!.run.databases).toEqual(['app']);
  });

  it('creates the output folder 0700 when it does not exist yet', async () => {
    const out = path.join(dir, 'new', 'backups');
    const log = await recordFailedRun(context({}, out), refused, logger);
    await logger.close();

    expect(log).toBe(path.join(out, 'nightly-app-20261122T010000Z.log'));
    expect((await stat(out)).mode & 0o777).toBe(0o700);
  });

  it('says on the console, and no more, that a folder it cannot write keeps no record', async () => {
    const lines: string[] = [];
    const noisy = createLogger({ level: 'normal', stderr: collect(lines) });
    await writeFile(path.join(dir, 'file'), '');

    expect(await recordFailedRun(context({}, path.join(dir, 'file', 'sub')), refused, noisy)).toBeNull();
    expect(lines.join('')).toMatch(/the failure was not recorded in .*file\/sub/);
  });
});

describe('endWithFailure', () => {
  it('removes the .partial, ends the log with one failure record however often it is called, and points the hint at the log', async () => {
    const zip = await ZipWriter.create(await LocalFileSink.open(path.join(dir, 'nightly-app-20261122T010000Z.zip')));
    const logPath = path.join(dir, 'nightly-app-20261122T010000Z.log');
    await logger.attachRunLog(logPath);
    logger.info('run of profile nightly', { pgbakRun: { profile: 'nightly', databases: ['app'], archive: 'nightly-app-20261122T010000Z.zip', owner: { pid: process.pid, host: 'h', bootId: null, startTicks: null } } });

    const first = await endWithFailure(new Error('the zip cannot be opened'), zip, logPath, logger);
    const again = await endWithFailure(first, zip, logPath, logger);
    await logger.close();

    expect(again).toBe(first);
    expect(first.message).toBe('the zip cannot be opened');
    expect(first.hint).toBe(`details in ${logPath}`);
    expect(await readdir(dir)).toEqual(['nightly-app-20261122T010000Z.log']);
    const records = (await readFile(logPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { message: string });
    expect(records.filter((record) => record.message.startsWith('run failed, no backup was written: '))).toHaveLength(1);
    expect(records[records.length - 1]!.message).toBe('run failed, no backup was written: the zip cannot be opened');
  });
});
