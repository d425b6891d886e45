// --quiet prints nothing on success, stdout included (cron mails whatever is printed),
// and the `pg` driver's "pgpass support is deprecated" warning never reaches the console.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, type TestDatabase } from '../../support/db.js';
import { tempDirs } from './helpers.js';

const cluster = getCluster(15);
const dirs = tempDirs();
const withTools = hasClientTools(['pg_dump']);
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(cluster, 'quiet');
});

afterAll(async () => {
  await database?.drop();
  await dirs.removeAll();
});

/** PG* without PGPASSWORD: the password comes from a 0600 passfile, as from ~/.pgpass. */
async function passfileEnv(dir: string): Promise<Record<string, string>> {
  const { PGPASSWORD: password, ...rest } = pgEnv(cluster, database.name);
  const passfile = path.join(dir, 'pgpass');
  await writeFile(passfile, `${cluster.host}:${cluster.port}:*:${cluster.user}:${password}\n`, { mode: 0o600 });
  return { ...rest, PGPASSFILE: passfile };
}

describe('pgbak --quiet', () => {
  it.each(['native', 'pg_dump'])('prints nothing on success, with the password from a passfile (%s)', async (engine) => {
    if (engine === 'pg_dump' && !withTools) return void console.warn('skipped: pg_dump is not on PATH');
    const out = await dirs.make();
    const result = await runCli(['run', 'full', '--engine', engine, '--output-dir', out, '--quiet'], { env: await passfileEnv(out), cwd: out });
    expect(result).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
  });

  it('sends the driver\'s pgpass deprecation warning to the debug log, not to the console', async () => {
    const out = await dirs.make();
    const normal = await runCli(['run', 'full', '--engine', 'native', '--output-dir', out], { env: await passfileEnv(out), cwd: out });
    expect(normal.exitCode).toBe(0);
    expect(normal.stderr).not.toMatch(/deprecat/i);
    const debug = await runCli(['run', 'full', '--engine', 'native', '--output-dir', out, '--debug'], { env: await passfileEnv(out), cwd: out });
    expect(debug.exitCode).toBe(0);
    expect(debug.stderr).toMatch(/^pgbak: debug: DeprecationWarning: pgpass support is deprecated/m);
  });

  it('prints nothing from status when backups are fresh, and its report and the error when they are not', async () => {
    const out = await dirs.make();
    const env = await passfileEnv(out);
    expect(await runCli(['run', 'full', '--engine', 'native', '--output-dir', out, '--quiet'], { env, cwd: out })).toMatchObject({ exitCode: 0, stdout: '' });
    expect(await runCli(['status', '--output-dir', out, '--max-age', '1d', '--quiet'], { env, cwd: out })).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    const empty = await dirs.make();
    const stale = await runCli(['status', '--output-dir', empty, '--max-age', '1h', '--quiet'], { env, cwd: out });
    expect(stale.exitCode).toBe(3);
    expect(stale.stdout).toContain(`no backups in ${empty}`);
    expect(stale.stderr).toMatch(/^pgbak: error: /m);
  });

  it('still prints the --json object', async () => {
    const out = await dirs.make();
    const result = await runCli(['run', 'full', '--engine', 'native', '--output-dir', out, '--quiet', '--json'], { env: await passfileEnv(out), cwd: out });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true });
    expect(result.stderr).toBe('');
  });
});
