// A full disk: every engine and format fails with exit 1, a message that names the
// disk and the folder, no .partial and no lock left, and a --json error object whose
// exitCode is the process's. It used to exit 13 (native) or hang for ever holding the
// lock (pg_dump, plain format, on a 2 MB tmpfs): every run here is bounded.
import path from 'node:path';
import { execa } from 'execa';
import { pgbakBin, repoRoot } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { mountSmallTmpfs, type SmallTmpfs } from '../../support/small-tmpfs.js';
import { expectNoBackup, listTree } from './helpers.js';

const cluster = getCluster(15);
const withTools = hasClientTools(['pg_dump']);
let database: TestDatabase;
let tmpfs: SmallTmpfs | undefined;
let skipped: string | undefined;

beforeAll(async () => {
  const mounted = await mountSmallTmpfs('2m');
  if ('skipped' in mounted) {
    skipped = mounted.skipped;
    console.warn(`skipping the disk-full tests: ${skipped}`);
    return;
  }
  tmpfs = mounted;
  database = await createTestDatabase(cluster, 'disk_full');
  // Hex text deflates to about half: some 5 MB in any format, more than the 2 MB there is.
  await query(cluster, database.name, `CREATE TABLE filler AS
    SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS a FROM generate_series(1, 150000) g`);
});

afterAll(async () => {
  await database?.drop();
  await tmpfs?.unmount();
});

const TIMEOUT_MS = 60_000;

/** Runs the CLI, SIGKILLed after 60 s (SIGTERM did not end the hang): a hang fails the test. */
async function runBounded(args: string[], database: TestDatabase) {
  const result = await execa(process.execPath, [pgbakBin, ...args], {
    cwd: repoRoot,
    env: { ...pgEnv(cluster, database.name), NO_COLOR: '1' },
    reject: false,
    timeout: TIMEOUT_MS,
    killSignal: 'SIGKILL',
    stdin: 'ignore',
  });
  if (result.timedOut) throw new Error(`pgbak ${args.join(' ')} still ran after ${TIMEOUT_MS / 1000} s: it hangs`);
  return result;
}

const cases: Array<{ name: string; args: string[]; needsPgDump: boolean }> = [
  { name: 'the native engine', args: ['--engine', 'native'], needsPgDump: false },
  { name: 'pg_dump, plain format (it hung for ever)', args: ['--engine', 'pg_dump', '--format', 'plain'], needsPgDump: true },
  { name: 'pg_dump, custom format', args: ['--engine', 'pg_dump', '--format', 'custom'], needsPgDump: true },
];

describe('pgbak run on a full disk', () => {
  it.each(cases)('exits 1 saying "no space left on device" and where, leaving no .partial and no lock: $name', async ({ name, args, needsPgDump }) => {
    if (!tmpfs) return void console.warn(`skipped (${name}): ${skipped}`);
    if (needsPgDump && !withTools) return void console.warn(`skipped (${name}): pg_dump is not on PATH`);
    const out = path.join(tmpfs.dir, `out-${cases.findIndex((c) => c.name === name)}`);

    const result = await runBounded(['run', 'full', ...args, '--output-dir', out, '--json'], database);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`pgbak: error: cannot write to ${out}: no space left on device (ENOSPC)`);
    const json = JSON.parse(String(result.stdout).trim()) as { ok: boolean; exitCode: number; error: { code: string; message: string } };
    expect(json).toMatchObject({ ok: false, exitCode: result.exitCode, error: { code: 'OUTPUT_NOT_WRITABLE' } });
    expect(json.error.message).toContain('no space left on device');
    await expectNoBackup(out);
    // What stays is the log that says why; the disk has room again for the next run.
    expect((await listTree(out)).filter((name) => !name.endsWith('.log'))).toEqual([]);
  });
});
