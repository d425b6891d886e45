// `pgbak verify`: restore into a scratch database, compare with the manifest, drop
// it — on success, on a tampered dump, and when interrupted mid-restore.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { jest } from '@jest/globals';
import { startCli } from '../../support/cli.js';
import { hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { removeTempDirs } from '../../support/restore-helpers.js';
import { errorReport } from '../failures/helpers.js';
import { cluster, pgbak, scratchDatabases, testState, trapPsql, leftScratchDatabases } from './helpers.js';
import { dropCopyRows, rewriteEntry } from './tamper.js';

jest.setTimeout(120_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const state = testState();
let source: TestDatabase;

beforeAll(async () => {
  source = await state.seeded('vf_source');
});

afterAll(async () => {
  await state.cleanUp();
  await removeTempDirs();
});

describeWithTools('pgbak verify', () => {
  it('exits 0 for a good backup, records ok: true beside the zip (0600) and leaves no scratch database', async () => {
    const backup = await state.backup(source, ['nightly']);

    const result = await pgbak(['verify', backup.archive, '--json']);

    expect(result.exitCode).toBe(0);
    const verdict = JSON.parse(result.stdout) as { ok: boolean; mismatches: unknown[]; databases: Array<{ checks: Array<{ tables: number; sequences: number }> }> };
    expect(verdict).toMatchObject({ ok: true, mismatches: [] });
    expect(verdict.databases[0]!.checks[0]).toMatchObject({ tables: 6, sequences: 7, largeObjects: true });
    const recordPath = `${backup.archive}.verified.json`;
    const record = JSON.parse(await readFile(recordPath, 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ archive: backup.archive, ok: true, mismatches: [], server: { host: cluster.host, port: cluster.port } });
    expect(new Date(String(record.verifiedAt)).toISOString()).toBe(record.verifiedAt);
    expect((await stat(recordPath)).mode & 0o777).toBe(0o600);
    expect(await leftScratchDatabases()).toEqual([]);
  });

  it('exits 3 naming the table when rows were removed from the dump (manifest digest updated to match)', async () => {
    const backup = await state.backup(source, ['full', '--format', 'plain']);
    const entry = `full/${source.name}.sql`;
    const tampered = await rewriteEntry(backup.archive, entry, (sql) => dropCopyRows(sql, 'public."Order Items; DROP"', 5), true);

    const result = await pgbak(['verify', tampered]);

    expect(result.exitCode).toBe(3);
    expect(result.stdout).toMatch(/rows\tpublic\."Order Items; DROP"\texpected 200\tfound 195/);
    expect(errorReport(result.stderr).message).toContain('verification found 1 mismatch');
    const record = JSON.parse(await readFile(`${tampered}.verified.json`, 'utf8')) as { ok: boolean; mismatches: unknown[] };
    expect(record.ok).toBe(false);
    expect(record.mismatches).toEqual([
      { step: 'full', database: source.name, check: 'rows', object: 'public."Order Items; DROP"', expected: '200', found: '195' },
    ]);
    expect(await leftScratchDatabases()).toEqual([]);
  });

  it('drops the scratch database and exits 130 when interrupted mid-restore', async () => {
    const backup = await state.backup(source, ['full', '--format', 'plain']);
    const entry = `full/${source.name}.sql`;
    // A restore that waits: the point where SIGINT arrives is then certain.
    const slow = await rewriteEntry(backup.archive, entry, (sql) => `SELECT pg_sleep(60);\n${sql}`, true);

    const child = startCli(['verify', slow], { env: pgEnv(cluster, 'postgres') });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const sleeping = await query(cluster, 'postgres', "SELECT 1 FROM pg_stat_activity WHERE datname LIKE 'pgbak\\_verify\\_%' AND query LIKE '%pg_sleep%'");
      if (sleeping.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await scratchDatabases()).length).toBeGreaterThan(0);
    child.kill('SIGINT');
    const result = await child;

    expect(result.exitCode).toBe(130);
    expect(await leftScratchDatabases()).toEqual([]);
  });
});

// Needs no client tools: the native engine dumps, the native loader restores.
describe('pgbak verify --loader native', () => {
  it('verifies a native-engine backup without running psql, and says the native loader restored it', async () => {
    const backup = await state.backup(source, ['full', '--engine', 'native']);
    const trap = await trapPsql();

    const result = await pgbak(['verify', backup.archive, '--loader', 'native', '--json'], { PGBAK_PG_BIN: trap.dir });

    expect(result.exitCode).toBe(0);
    expect(existsSync(trap.mark)).toBe(false);
    expect(result.stderr).toContain(`${source.name}: restoring full with pgbak's native loader into scratch database`);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, mismatches: [], databases: [{ database: source.name, steps: ['full'] }] });
    expect(await leftScratchDatabases()).toEqual([]);

    // The trap shows the test means something: left to choose, verify runs the installed psql.
    const viaPsql = await pgbak(['verify', backup.archive], { PGBAK_PG_BIN: trap.dir });
    expect(viaPsql.exitCode).toBe(1);
    expect(existsSync(trap.mark)).toBe(true);
    expect(await leftScratchDatabases()).toEqual([]);
  });
});
