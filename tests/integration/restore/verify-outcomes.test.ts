// What `<zip>.verified.json` and `list` say when verify could not run (issue #9,
// item 13: "not verified", apart from a failed verification) and when the archive
// itself is damaged (item 15: a check failure, exit 3, recorded).
import { existsSync } from 'node:fs';
import { copyFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { hasClientTools, query, type TestDatabase } from '../../support/db.js';
import { makeTempDir, removeTempDirs } from '../../support/restore-helpers.js';
import { closedPort, errorReport } from '../failures/helpers.js';
import { cluster, pgbak, testState, leftScratchDatabases } from './helpers.js';
import { rewriteEntry } from './tamper.js';

jest.setTimeout(120_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const state = testState();
let source: TestDatabase;
const role = `vf_nocreatedb_${Math.random().toString(16).slice(2, 8)}`;

beforeAll(async () => {
  source = await state.seeded('vf_outcomes');
  await query(cluster, 'postgres', `CREATE ROLE ${role} LOGIN NOCREATEDB PASSWORD 'nocreatedb'`);
});

afterAll(async () => {
  await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${role}`);
  await state.cleanUp();
  await removeTempDirs();
});

interface Record {
  ok: boolean;
  outcome: string;
  error?: string;
  archiveBytes: number;
  mismatches: unknown[];
  server: unknown;
}

async function readRecord(archive: string): Promise<Record> {
  return JSON.parse(await readFile(`${archive}.verified.json`, 'utf8')) as Record;
}

/** The `verified` column of `pgbak list` for the archive. */
async function listed(archive: string): Promise<string> {
  const dir = archive.slice(0, archive.lastIndexOf('/'));
  const result = await pgbak(['list', '--output-dir', dir]);
  expect(result.exitCode).toBe(0);
  const line = result.stdout.split('\n').find((l) => l.includes(archive.slice(dir.length + 1)));
  return line ?? '';
}

describeWithTools('verify that could not run', () => {
  it('server down: exits 1, records "not verified" with the reason, and list says so (not FAILED)', async () => {
    const backup = await state.backup(source, ['full', '--format', 'custom']);
    const port = await closedPort();

    const result = await pgbak(['verify', backup.archive, '--server', `127.0.0.1:${port}`]);

    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(/^not verified: cannot connect to 127\.0\.0\.1:\d+: connection refused/);
    expect(report.hint).toContain(`recorded in ${backup.archive}.verified.json`);
    const record = await readRecord(backup.archive);
    expect(record).toMatchObject({ ok: false, outcome: 'not verified', mismatches: [], archiveBytes: (await stat(backup.archive)).size });
    expect(record.error).toMatch(/cannot connect to 127\.0\.0\.1:\d+: connection refused/);
    const line = await listed(backup.archive);
    expect(line).toContain('not verified');
    expect(line).not.toContain('FAILED');
  });

  it('wrong password: exits 2 (configuration) and records "not verified"', async () => {
    const backup = await state.backup(source, ['full', '--format', 'custom']);

    const result = await pgbak(['verify', backup.archive], { PGPASSWORD: 'not-the-password' });

    expect(result.exitCode).toBe(2);
    expect(errorReport(result.stderr).message).toMatch(/^not verified: password authentication failed/);
    expect(await readRecord(backup.archive)).toMatchObject({ ok: false, outcome: 'not verified', error: expect.stringContaining('password authentication failed') });
    expect(await listed(backup.archive)).toContain('not verified');
  });

  it('scratch database cannot be created (role without CREATEDB): exits 2 naming CREATEDB, records "not verified"', async () => {
    const backup = await state.backup(source, ['full', '--format', 'custom']);

    const result = await pgbak(['verify', backup.archive, '--user', role], { PGPASSWORD: 'nocreatedb' });

    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(/^not verified: cannot create the scratch database: .*permission denied to create database/);
    expect(report.hint).toContain('CREATEDB');
    expect(await readRecord(backup.archive)).toMatchObject({ ok: false, outcome: 'not verified', server: { user: role } });
    expect(await leftScratchDatabases()).toEqual([]);
  });

  it('keeps an earlier verdict on the same archive: a later attempt that could not run does not erase it', async () => {
    const backup = await state.backup(source, ['full', '--format', 'custom']);
    expect((await pgbak(['verify', backup.archive])).exitCode).toBe(0);
    const before = await readFile(`${backup.archive}.verified.json`, 'utf8');

    const result = await pgbak(['verify', backup.archive, '--server', `127.0.0.1:${await closedPort()}`]);

    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).hint).toMatch(/the verdict of .* \(verified\) stays in/);
    expect(await readFile(`${backup.archive}.verified.json`, 'utf8')).toBe(before);
    expect(await listed(backup.archive)).toMatch(/\byes\b/);
  });
});

describeWithTools('verify of a damaged archive', () => {
  it.each([
    ['truncated', async (zip: string) => truncate(zip, Math.floor((await stat(zip)).size / 2)), /not a readable pgbak archive/],
    ['not a zip', (zip: string) => writeFile(zip, 'this is not a zip file\n'), /not a readable pgbak archive/],
  ])('%s: exits 3 with a record saying why', async (_label, damage, reason) => {
    const backup = await state.backup(source, ['full', '--format', 'custom']);
    const zip = join(await makeTempDir('pgbak-damaged-'), 'damaged.zip');
    await copyFile(backup.archive, zip);
    await damage(zip);

    const result = await pgbak(['verify', zip, '--json']);

    expect(result.exitCode).toBe(3);
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toMatchObject({ ok: false, exitCode: 3, error: { code: 'ARCHIVE_INVALID' } });
    const record = await readRecord(zip);
    expect(record).toMatchObject({ ok: false, outcome: 'failed', server: null, archiveBytes: (await stat(zip)).size });
    expect(record.error).toMatch(reason);
  });

  it('an entry that does not match its sha256: exits 3 naming it, recorded as failed, nothing restored', async () => {
    const backup = await state.backup(source, ['full', '--format', 'plain']);
    const entry = `full/${source.name}.sql`;
    const tampered = await rewriteEntry(backup.archive, entry, (sql) => sql.replace('CREATE TABLE', 'CREATE  TABLE'), false);

    const result = await pgbak(['verify', tampered]);

    expect(result.exitCode).toBe(3);
    expect(errorReport(result.stderr).message).toContain('do not match the manifest');
    const record = await readRecord(tampered);
    expect(record).toMatchObject({ ok: false, outcome: 'failed', mismatches: [] });
    expect(record.error).toContain(entry);
    expect(await leftScratchDatabases()).toEqual([]);
  });

  it('a missing file exits as before and writes no record beside it', async () => {
    const zip = join(await makeTempDir('pgbak-missing-'), 'missing.zip');

    const result = await pgbak(['verify', zip]);

    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toContain('no such file');
    expect(existsSync(`${zip}.verified.json`)).toBe(false);
  });
});
