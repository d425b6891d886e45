// Bad profiles, flags and table names: exit 2 (fix the configuration first), a
// message that names what is wrong, and no backup-looking file.
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { closedPort, errorReport, expectNoBackup, fakePgBin, listTree, readRunLogs, tempDirs } from './helpers.js';

const cluster = getCluster(15);
const dirs = tempDirs();
const databases: TestDatabase[] = [];

async function freshDatabase(prefix: string): Promise<TestDatabase> {
  const database = await createTestDatabase(cluster, prefix);
  databases.push(database);
  return database;
}

afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
  await dirs.removeAll();
});

const BROKEN_PROFILE = `# three mistakes, one file
description: broken on purpose
steps:
  - kind: everything
  - kind: full
    jobs: four
  - kind: schema-only
    frobnicate: true
`;

describe('pgbak run with a bad profile or bad flags', () => {
  it('refuses a profile with an unknown kind, a wrong type and an unknown key, naming the file and each path, before anything runs', async () => {
    const tmp = await dirs.make();
    const file = path.join(tmp, 'broken.yaml');
    await writeFile(file, BROKEN_PROFILE);
    const out = path.join(tmp, 'out');
    const pidFile = path.join(tmp, 'pg_dump.pid');
    // Nothing listens there and the fake pg_dump would leave a pidfile: neither may be reached.
    const env = { ...pgEnv(cluster, 'postgres'), PGPORT: String(await closedPort()), PGBAK_PG_BIN: fakePgBin, FAKE_PG_DUMP_PIDFILE: pidFile };

    const result = await runCli(['run', file, '--output-dir', out], { env, cwd: tmp });

    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr, { detail: true });
    expect(report.message.split('\n')[0]).toBe(`profile ${file} is invalid (3 problems):`);
    const problems = report.message.split('\n').slice(1).map((line) => line.trim());
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(new RegExp(`^${escape(file)}: steps\\[0\\]\\.kind: .*full`));
    expect(problems[1]).toMatch(new RegExp(`^${escape(file)}: steps\\[1\\]\\.jobs: .*number`));
    expect(problems[2]).toMatch(new RegExp(`^${escape(file)}: steps\\[2\\].*frobnicate`));
    expect(result.stderr).not.toMatch(/cannot connect/);
    expect(existsSync(pidFile)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('reports PROFILE_INVALID with exit code 2 as JSON with --json', async () => {
    const tmp = await dirs.make();
    const file = path.join(tmp, 'broken.yaml');
    await writeFile(file, BROKEN_PROFILE);

    const result = await runCli(['run', file, '--json', '--output-dir', path.join(tmp, 'out')], { env: pgEnv(cluster, 'postgres'), cwd: tmp });

    expect(result.exitCode).toBe(2);
    const json = JSON.parse(result.stdout) as { ok: boolean; exitCode: number; error: { code: string; message: string } };
    expect(json).toMatchObject({ ok: false, exitCode: 2, error: { code: 'PROFILE_INVALID' } });
    expect(json.error.message).toContain('steps[0].kind');
  });

  it('refuses --jobs 4 with the custom format', async () => {
    const database = await freshDatabase('jobs');
    const out = await dirs.make();

    const result = await runCli(['run', 'full', '--jobs', '4', '--output-dir', out], { env: pgEnv(cluster, database.name), cwd: out });

    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr, { detail: true });
    expect(report.message).toMatch(/steps\[0\]\.jobs: .*format: directory/);
    await expectNoBackup(out);
    expect(await listTree(out)).toEqual([]);
  });

  it('refuses --jobs 4 with the custom format before connecting (exit 2 even when the server is down)', async () => {
    const out = await dirs.make();
    const env = { ...pgEnv(cluster, 'postgres'), PGPORT: String(await closedPort()) };

    const result = await runCli(['run', 'full', '--jobs', '4', '--output-dir', out], { env, cwd: out });

    expect(result.exitCode).toBe(2);
    expect(errorReport(result.stderr, { detail: true }).message).toMatch(/steps\[0\]\.jobs/);
  });

  it('refuses the tables profile without --table', async () => {
    const database = await freshDatabase('no_table');
    const out = await dirs.make();

    const result = await runCli(['run', 'tables', '--output-dir', out], { env: pgEnv(cluster, database.name), cwd: out });

    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(/tables\.yaml: steps\[0\]: kind tables needs tables/);
    expect(report.message).toContain('--table');
    expect(await listTree(out)).toEqual([]);
  });

  it('exits 2 for a profile name that does not exist', async () => {
    const tmp = await dirs.make();

    const result = await runCli(['run', 'no-such-profile', '--profiles-dir', tmp, '--output-dir', tmp], { env: pgEnv(cluster, 'postgres'), cwd: tmp });

    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr);
    expect(report.message).toBe(`no profile named "no-such-profile" in ${tmp} or the built-in profiles`);
    expect(report.hint).toMatch(/pgbak profiles/);
    expect(await listTree(tmp)).toEqual([]);
  });

  it('suggests the closest profile name for a typo (built-in or user)', async () => {
    const tmp = await dirs.make();
    await writeFile(path.join(tmp, 'billing-nightly.yaml'), 'steps:\n  - kind: full\n');

    const builtIn = await runCli(['run', 'nigthly', '--profiles-dir', tmp, '--output-dir', tmp], { env: pgEnv(cluster, 'postgres'), cwd: tmp });
    const user = await runCli(['plan', 'biling-nightly', '--profiles-dir', tmp], { env: pgEnv(cluster, 'postgres'), cwd: tmp });

    expect(builtIn.exitCode).toBe(2);
    expect(errorReport(builtIn.stderr).message).toBe(`no profile named "nigthly" in ${tmp} or the built-in profiles (did you mean "nightly"?)`);
    expect(user.exitCode).toBe(2);
    expect(errorReport(user.stderr).message).toMatch(/\(did you mean "billing-nightly"\?\)$/);
  });

  it('plans a profile whose retention uses the old kebab-case keys, with one deprecation warning per key', async () => {
    const tmp = await dirs.make();
    const file = path.join(tmp, 'old.yaml');
    await writeFile(file, 'retention:\n  keep-last: 3\n  keep-daily: 7\nsteps:\n  - kind: schema-only\n');

    const result = await runCli(['plan', file], { env: pgEnv(cluster, 'postgres'), cwd: tmp });

    expect(result.exitCode).toBe(0);
    expect(result.stderr.split('\n').filter((line) => line.includes('deprecated'))).toEqual([
      `pgbak: warning: ${file}: retention.keep-last is deprecated: write keepLast`,
      `pgbak: warning: ${file}: retention.keep-daily is deprecated: write keepDaily`,
    ]);
  });

  it('exits 2 for a profile path that does not exist', async () => {
    const tmp = await dirs.make();

    const result = await runCli(['run', './missing.yaml', '--output-dir', tmp], { env: pgEnv(cluster, 'postgres'), cwd: tmp });

    expect(result.exitCode).toBe(2);
    expect(errorReport(result.stderr).message).toBe(`profile file ${path.join(tmp, 'missing.yaml')} does not exist`);
  });

  it('exits 2 for an unknown option', async () => {
    const tmp = await dirs.make();

    const result = await runCli(['run', 'full', '--bogus-flag', '--output-dir', tmp], { env: pgEnv(cluster, 'postgres'), cwd: tmp });

    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(/Unknown argument: bogus-flag/);
    expect(await listTree(tmp)).toEqual([]);
  });
});

describe('pgbak with an empty output folder or a YAML alias bomb', () => {
  it("refuses -o '' (exit 2) instead of writing into the current folder", async () => {
    const database = await freshDatabase('emptyout');
    const cwd = await dirs.make();

    const result = await runCli(['run', 'full', '-o', ''], { env: pgEnv(cluster, database.name), cwd });

    expect(result.exitCode).toBe(2);
    expect(errorReport(result.stderr).message).toBe('--output-dir is empty');
    expect(await listTree(cwd)).toEqual([]);
  });

  it("refuses list -o '' too", async () => {
    const cwd = await dirs.make();
    const result = await runCli(['list', '-o', ''], { env: {}, cwd });
    expect(result.exitCode).toBe(2);
    expect(errorReport(result.stderr).message).toBe('--output-dir is empty');
  });

  it('refuses a profile holding a billion-laughs alias bomb with exit 2, naming the file', async () => {
    const tmp = await dirs.make();
    const file = path.join(tmp, 'bomb.yaml');
    const levels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    const lines = levels.map((name, i) => `${name}: &${name} [${Array(9).fill(i === 0 ? '"lol"' : `*${levels[i - 1]}`).join(', ')}]`);
    await writeFile(file, `${lines.join('\n')}\nsteps:\n  - kind: full\n`);

    const result = await runCli(['plan', file], { env: pgEnv(cluster, 'postgres'), cwd: tmp });

    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr, { detail: true });
    expect(report.message).toContain(`profile ${file} is invalid`);
    expect(report.message).toContain(`${file}: Excessive alias count`);
  });
});

describe('a .env holding a password that others may read', () => {
  it('warns once, as libpq does for .pgpass, and goes on', async () => {
    const cwd = await dirs.make();
    const env = pgEnv(cluster, 'postgres');
    const file = path.join(cwd, '.env');
    await writeFile(file, `PGPASSWORD=${env.PGPASSWORD ?? 'unused'}\n`, { mode: 0o644 });
    await chmod(file, 0o644);

    const result = await runCli(['plan', 'full'], { env, cwd });

    expect(result.exitCode).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.includes('group or world access'));
    expect(warnings).toEqual([`pgbak: warning: env file ${file} holds a password and has group or world access; permissions should be u=rw (0600) or less (chmod 600 ${file})`]);
  });
});

describe('pgbak run with extraArgs that would send the dump elsewhere', () => {
  it('refuses extraArgs: [--file=…] at validation (exit 2, file and path named), and nothing is written anywhere', async () => {
    const tmp = await dirs.make();
    const file = path.join(tmp, 'escape.yaml');
    const elsewhere = path.join(tmp, 'elsewhere.dump');
    await writeFile(file, `steps:\n  - kind: full\n    extraArgs: ["--no-comments", "--fil=${elsewhere}"]\n`);
    const out = path.join(tmp, 'out');
    const pidFile = path.join(tmp, 'pg_dump.pid');
    const env = { ...pgEnv(cluster, 'postgres'), PGBAK_PG_BIN: fakePgBin, FAKE_PG_DUMP_PIDFILE: pidFile };

    const result = await runCli(['run', file, '--output-dir', out], { env, cwd: tmp });

    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr, { detail: true });
    expect(report.message).toContain(`${file}: steps[0].extraArgs[1]: "--fil=${elsewhere}" is an abbreviation of -f/--file: pgbak writes the dump into the archive itself`);
    expect(existsSync(pidFile)).toBe(false);
    expect(existsSync(elsewhere)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });
});

describe('pgbak run with a table that does not exist', () => {
  it('exits 2 with CONFIG_INVALID when --table matches no table (pg_dump --strict-names)', async () => {
    const database = await freshDatabase('no_such_table');
    await query(cluster, database.name, 'CREATE TABLE public.present (id int PRIMARY KEY)');
    const out = await dirs.make();

    const result = await runCli(['run', 'tables', '--table', 'public.no_such_table', '--output-dir', out, '--json'], {
      env: pgEnv(cluster, database.name),
      cwd: out,
    });

    expect(result.exitCode).toBe(2);
    const json = JSON.parse(result.stdout) as { ok: boolean; exitCode: number; error: { code: string; message: string } };
    expect(json).toMatchObject({ ok: false, exitCode: 2, error: { code: 'CONFIG_INVALID' } });
    const report = errorReport(result.stderr);
    expect(report.message).toContain('no matching tables were found for pattern "public.no_such_table"');
    expect(report.hint).toMatch(/--table/);
    await expectNoBackup(out);
    const [log] = await readRunLogs(out);
    expect(log?.text).toContain('no matching tables were found');
    expect(log?.text).toContain('no backup was written');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
