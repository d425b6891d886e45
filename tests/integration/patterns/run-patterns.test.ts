// Table patterns through `pgbak run`, with both engines: the dump, the manifest's
// row counts and verify agree on which tables a pattern names (pg_dump's rules,
// where [ ] ( ) | are regular-expression syntax outside quotes), and a pattern
// pg_dump refuses or that matches nothing fails the run with exit 2 and no backup.
import { existsSync } from 'node:fs';
import { openZip, parseManifest } from '../../../lib/archive/index.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { errorReport, expectNoBackup, readRunLogs, tempDirs } from '../failures/helpers.js';

const cluster = getCluster(15);
const dirs = tempDirs();
const engines = hasClientTools() ? (['pg_dump', 'native'] as const) : (['native'] as const);
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(cluster, 'run_patterns');
  await query(
    cluster,
    db.name,
    `CREATE TABLE public.plain (i int PRIMARY KEY); INSERT INTO public.plain SELECT generate_series(1, 3);
     CREATE TABLE public.plaix (i int PRIMARY KEY); INSERT INTO public.plaix SELECT generate_series(1, 5);
     CREATE TABLE public."plai[n]" (i int PRIMARY KEY); INSERT INTO public."plai[n]" VALUES (1);
     CREATE TABLE public."Robert'); DROP TABLE plain;--" (i int); INSERT INTO public."Robert'); DROP TABLE plain;--" VALUES (7);`,
  );
});

afterAll(async () => {
  await db.drop();
  await dirs.removeAll();
});

async function backup(engine: string, args: string[]) {
  const out = await dirs.make();
  const result = await runCli(['run', ...args, '--engine', engine, '--format', 'plain', '--output-dir', out, '--json'], { env: pgEnv(cluster, db.name) });
  return { out, result };
}

async function contents(archive: string) {
  const zip = await openZip(archive);
  try {
    const manifest = parseManifest(await zip.readText('manifest.json'));
    const step = manifest.steps[0]!;
    const dump = await zip.readText(step.entries[0]!.name, { maxBytes: 64 * 1024 * 1024 });
    return { step, dump };
  } finally {
    zip.close();
  }
}

/** The dump creates public.<name> (pg_dump quotes only where needed, the native engine always). */
function creates(dump: string, name: string): boolean {
  const quoted = name.startsWith('"') ? name : `"${name}"`;
  return [`CREATE TABLE public.${name} (`, `CREATE TABLE "public".${quoted} (`].some((line) => dump.includes(line));
}

describe.each(engines)('table patterns with engine %s', (engine) => {
  it('-T plai[n] leaves table plain out of the dump and out of the row counts, and the backup verifies', async () => {
    const { result } = await backup(engine, ['full', '-T', 'plai[n]']);
    expect(result.stderr).not.toContain('pgbak: error');
    expect(result.exitCode).toBe(0);
    const archive = (JSON.parse(result.stdout) as { archive: string }).archive;
    const { step, dump } = await contents(archive);
    expect(creates(dump, 'plain')).toBe(false);
    expect(creates(dump, 'plaix')).toBe(true);
    expect(creates(dump, '"plai[n]"')).toBe(true);
    expect(step.rowCounts?.tables).toEqual({ 'public.plaix': 5, 'public."plai[n]"': 1, [`public."Robert'); DROP TABLE plain;--"`]: 1 });

    const verify = await runCli(['verify', archive, '--json'], { env: pgEnv(cluster, 'postgres') });
    expect(verify.stderr).not.toContain('pgbak: error');
    expect(verify.exitCode).toBe(0);
  });

  it('-t plai[n] dumps table plain and counts its rows', async () => {
    const { result } = await backup(engine, ['tables', '-t', 'plai[n]']);
    expect(result.stderr).not.toContain('pgbak: error');
    expect(result.exitCode).toBe(0);
    const { step, dump } = await contents((JSON.parse(result.stdout) as { archive: string }).archive);
    expect(creates(dump, 'plain')).toBe(true);
    expect(creates(dump, 'plaix')).toBe(false);
    expect(step.rowCounts?.tables).toEqual({ 'public.plain': 3 });
  });

  it('"plai[n]" in quotes names the table with brackets in its name, and a hostile name is only a name', async () => {
    const { result } = await backup(engine, ['tables', '-t', '"plai[n]"', '-t', `"Robert'); DROP TABLE plain;--"`]);
    expect(result.exitCode).toBe(0);
    const { step } = await contents((JSON.parse(result.stdout) as { archive: string }).archive);
    expect(step.rowCounts?.tables).toEqual({ 'public."plai[n]"': 1, [`public."Robert'); DROP TABLE plain;--"`]: 1 });
    expect(await query(cluster, db.name, 'SELECT count(*)::int AS n FROM public.plain')).toEqual([{ n: 3 }]);
  });

  const refused: Array<[string, string[], RegExp]> = [
    ['an unterminated quote (a"b is the name ab, which matches nothing)', ['tables', '-t', 'a"b'], /^no matching tables were found for pattern "a"b"$/],
    ['a shell command (only a name to match)', ['tables', '-t', '$(touch /tmp/pgbak-pattern-pwned)'], /^no matching tables were found for pattern "\$\(touch/],
    ['a table that does not exist', ['tables', '-t', 'public.no_such_table'], /^no matching tables were found for pattern "public.no_such_table"$/],
    ['a schema that does not exist', ['full', '-n', 'no_such_schema'], /^no matching schemas were found for pattern "no_such_schema"$/],
    ['one schema among several that does not exist', ['full', '-n', 'public', '-n', 'no_such_schema'], /^no matching schemas were found for pattern "no_such_schema"$/],
    ['a malformed regular expression', ['full', '-T', 'a(b'], /^invalid pattern "a\(b": invalid regular expression/],
    ['too many dotted names', ['tables', '-t', 'a.b.c.d'], /^improper relation name \(too many dotted names\): a\.b\.c\.d$/],
    ['another database', ['tables', '-t', 'other.public.plain'], /^cross-database references are not implemented: other\.public\.plain$/],
  ];

  it.each(refused)('refuses %s with exit 2, the message pg_dump gives, and no backup', async (_what, args, message) => {
    const { out, result } = await backup(engine, args);
    expect(result.exitCode).toBe(2);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(message);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, exitCode: 2, error: { code: 'CONFIG_INVALID' } });
    await expectNoBackup(out);
    const [log] = await readRunLogs(out);
    expect(log?.text).toContain('no backup was written');
    expect(existsSync('/tmp/pgbak-pattern-pwned')).toBe(false);
  });
});
