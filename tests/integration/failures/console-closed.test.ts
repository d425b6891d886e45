// The console is best effort: a reader that goes away (`pgbak run … | head -1`, a
// closed stderr) never stops or fails a backup. It used to exit 1 halfway, leaving the
// lock, an empty .partial and a temp folder.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { execa } from 'execa';
import { openZip } from '../../../lib/archive/zip-reader.js';
import { pgbakBin, repoRoot } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { listTree, tempDirs } from './helpers.js';

const cluster = getCluster(15);
const dirs = tempDirs();
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(cluster, 'console_closed');
  await query(cluster, database.name, 'CREATE TABLE t AS SELECT g AS id, md5(g::text) AS a FROM generate_series(1, 20000) g');
});

afterAll(async () => {
  await database?.drop();
  await dirs.removeAll();
});

function env(): Record<string, string> {
  return { ...process.env, ...pgEnv(cluster, database.name), NO_COLOR: '1' } as Record<string, string>;
}

/** Starts the CLI with stdout/stderr on pipes and closes the chosen read ends at once. */
function runWithClosed(args: string[], close: Array<'stdout' | 'stderr'>): Promise<number | null> {
  const child = spawn(process.execPath, [pgbakBin, ...args], { cwd: repoRoot, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  for (const name of close) child[name].destroy();
  for (const name of (['stdout', 'stderr'] as const).filter((n) => !close.includes(n))) child[name].resume();
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** One complete zip with its manifest, its log beside it, and nothing else left. */
async function expectOneCompleteBackup(out: string): Promise<void> {
  const tree = await listTree(out);
  const zips = tree.filter((name) => name.endsWith('.zip'));
  expect(zips).toHaveLength(1);
  expect(tree).toEqual([zips[0], zips[0]!.replace(/\.zip$/, '.log')].sort());
  const reader = await openZip(path.join(out, zips[0]!));
  try {
    expect(JSON.parse(await reader.readText('manifest.json'))).toMatchObject({ steps: expect.any(Array) });
  } finally {
    reader.close();
  }
}

describe('pgbak run with the console closed', () => {
  it.each([
    { closed: 'stdout and stderr', close: ['stdout', 'stderr'] as Array<'stdout' | 'stderr'>, engine: 'pg_dump' },
    { closed: 'stdout only (--json)', close: ['stdout'] as Array<'stdout' | 'stderr'>, engine: 'pg_dump' },
    { closed: 'stderr only', close: ['stderr'] as Array<'stdout' | 'stderr'>, engine: 'native' },
  ])('completes the backup and exits 0 with $closed closed ($engine)', async ({ close, engine }) => {
    const out = await dirs.make();
    const code = await runWithClosed(['run', 'full', '--engine', engine, '--output-dir', out, '--verbose', '--json'], close);
    expect(code).toBe(0);
    await expectOneCompleteBackup(out);
  });

  it('completes the backup and exits 0 under `2>&1 | head -1`', async () => {
    const out = await dirs.make();
    const command = `"$0" "$1" run full --output-dir "$2" --verbose 2>&1 | head -1; exit "\${PIPESTATUS[0]}"`;
    const result = await execa('bash', ['-c', command, process.execPath, pgbakBin, out], { env: env(), reject: false, timeout: 60_000, killSignal: 'SIGKILL' });
    expect(result.timedOut).toBe(false);
    expect(String(result.stdout).split('\n')).toHaveLength(1);
    expect(result.exitCode).toBe(0);
    await expectOneCompleteBackup(out);
  });
});
