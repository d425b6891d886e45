// Nothing inside an archive runs on the machine that restores it: a plain SQL
// entry holding a psql meta-command pg_dump does not write (a shell command, a
// file write, an include…) is refused by restore and verify before psql starts,
// with the entry and the line; genuine pg_dump output still restores.
import { access, chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { hasClientTools, query, type TestDatabase } from '../../support/db.js';
import { makeTempDir, removeTempDirs, type Backup } from '../../support/restore-helpers.js';
import { errorReport } from '../failures/helpers.js';
import { databaseExists, pgbak, testState, cluster, leftScratchDatabases } from './helpers.js';
import { rewriteEntry } from './tamper.js';

jest.setTimeout(180_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const state = testState();
let source: TestDatabase;
let backup: Backup;
let entry: string;
let dir: string;

// Backslashes where they are not meta-commands: COPY data, strings, a
// dollar-quoted body, comments and identifiers.
const tricky = String.raw`
CREATE TABLE slashes (id int PRIMARY KEY, note text);
INSERT INTO slashes VALUES (1, E'\\! touch /tmp/not-a-command'), (2, '\.'), (3, E'line\nbreak\\.'), (4, '\o x \w y \g |z');
CREATE FUNCTION "odd\!name"() RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
  -- \! not a command in a comment
  RETURN E'\\gexec' || $q$\! neither$q$;
END
$body$;
COMMENT ON TABLE slashes IS 'a \\ backslash; \i file';
`;

beforeAll(async () => {
  source = await state.seeded('mc_source');
  await query(cluster, source.name, tricky);
  backup = await state.backup(source, ['full', '--format', 'plain']);
  entry = `full/${source.name}.sql`;
  dir = await makeTempDir('pgbak-meta-');
});

afterAll(async () => {
  await state.cleanUp();
  await removeTempDirs();
});

/** Where the injected command would leave its mark. */
function mark(name: string): string {
  return join(dir, name);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

// Each edit puts a meta-command somewhere in pg_dump's output; the regex finds the line it lands on.
const afterFirstCopy = (command: string) => (sql: string) => sql.replace(/\n\\\.\n/, `\n\\.\n${command}\n`);
const atTop = (command: string) => (sql: string) => `${command}\n${sql}`;
const beforeEnd = (command: string) => (sql: string) => sql.replace(/\n--\n-- PostgreSQL database dump complete/, `\n${command}\n--\n-- PostgreSQL database dump complete`);

const cases: Array<[string, (file: string) => (sql: string) => string, string]> = [
  ['\\! (shell) at the top', (f) => atTop(`\\! touch ${f}`), '\\!'],
  ['\\o (output to a file)', (f) => atTop(`\\o ${f}\nSELECT 1;`), '\\o'],
  ['\\w (write the buffer to a file)', (f) => beforeEnd(`SELECT 1 \\w ${f}`), '\\w'],
  ['\\g |cmd (a query piped into a shell)', (f) => beforeEnd(`SELECT 1 \\g |touch ${f}`), '\\g'],
  ['\\copy … to program', (f) => beforeEnd(`\\copy (SELECT 1) TO PROGRAM 'touch ${f}'`), '\\copy'],
  ['\\setenv', (f) => atTop(`\\setenv PAGER 'touch ${f}'`), '\\setenv'],
  ['\\i (an include)', (f) => atTop(`\\i ${f}`), '\\i'],
  ['\\ir (a relative include)', (f) => atTop(`\\ir ${f}`), '\\ir'],
  ['\\gexec', (f) => beforeEnd(`SELECT 'SELECT 1' \\gexec -- ${f}`), '\\gexec'],
  ['\\set', (f) => atTop(`\\set x ${f}`), '\\set'],
  ['\\! right after COPY data ends', (f) => afterFirstCopy(`\\! touch ${f}`), '\\!'],
  ['\\! after a statement on the same line', (f) => beforeEnd(`SELECT 1; \\! touch ${f}`), '\\!'],
  ['\\connect to another host (the password would follow)', (f) => atTop(`\\connect -reuse-previous=on "dbname='${f}' host=127.0.0.1"`), '\\connect'],
  ['\\restrict not alone on its line', (f) => atTop(`SELECT 1; \\restrict abc -- ${f}`), '\\restrict'],
];

describeWithTools('pgbak restore and verify refuse a plain SQL entry holding a psql meta-command pg_dump does not write', () => {
  it.each(cases)('refuses %s with exit 1 and the line, running nothing', async (name, edit, command) => {
    const file = mark(name.replace(/\W+/g, '_'));
    let injected = 0;
    const tampered = await rewriteEntry(
      backup.archive,
      entry,
      (sql) => {
        const edited = edit(file)(sql);
        expect(edited).not.toBe(sql);
        injected = edited.split('\n').findIndex((line) => line.includes(file)) + 1;
        return edited;
      },
      true,
    );
    const target = state.unusedName('mc_target');

    const restored = await pgbak(['restore', tampered, '--target', target, '--create']);
    const verified = await pgbak(['verify', tampered]);

    for (const result of [restored, verified]) {
      expect(result.exitCode).toBe(1);
      const report = errorReport(result.stderr);
      expect(report.message).toContain(`${entry}: line ${injected}: psql meta-command ${command} `);
      expect(report.message).toContain('refusing to run the script');
    }
    expect(await exists(file)).toBe(false);
    // Refused before the server was touched: no target created, no scratch database.
    expect(await databaseExists(target)).toBe(false);
    expect(await leftScratchDatabases()).toEqual([]);
  });

  it('refuses a COPY in the globals entry, where psql goes on after errors and would read its data as commands', async () => {
    const nightly = await state.backup(source, ['nightly']);
    const globals = nightly.manifest.steps.find((step) => step.database === null)!.entries[0]!.name;
    const file = mark('globals-copy');
    const tampered = await rewriteEntry(nightly.archive, globals, (sql) => `${sql}\nCOPY no_such_table FROM stdin;\n\\! touch ${file}\n\\.\n`, true);

    const result = await pgbak(['restore', tampered, '--globals']);

    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toMatch(/line \d+: COPY … FROM stdin in a script psql runs past errors/);
    expect(await exists(file)).toBe(false);
  });
});

describeWithTools('pgbak restore with a psql that has no \\restrict', () => {
  it('refuses a literal psql could read otherwise (standard_conforming_strings switched unseen) before psql starts or a database is created', async () => {
    const fake = await makeTempDir('pgbak-old-psql-');
    const ran = join(fake, 'psql-was-run');
    await writeFile(join(fake, 'psql'), `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "psql (PostgreSQL) 15.13"; exit 0; fi\ntouch '${ran}'\nexit 1\n`);
    await chmod(join(fake, 'psql'), 0o755);
    const file = mark('hidden-by-a-string');
    // With the setting off (set_config is invisible to a scan), psql would end the first string later and run \!.
    const hidden = `SELECT set_config('standard_' || 'conforming_strings', 'off', false);\nSELECT 'a\\' , ' \\! touch ${file} ';\n`;
    const tampered = await rewriteEntry(backup.archive, entry, (sql) => sql.replace(/\n--\n-- PostgreSQL database dump complete/, `\n${hidden}--\n-- PostgreSQL database dump complete`), true);
    const target = state.unusedName('mc_old_psql');

    const result = await pgbak(['restore', tampered, '--target', target, '--create'], { PATH: fake, PGBAK_PG_INSTALL_DIRS: '' });

    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toMatch(new RegExp(`^${entry.replace(/\./g, '\\.')}: line \\d+: a string literal that psql may read otherwise.*psql 15\\.13 has no \\\\restrict`));
    expect(await exists(ran)).toBe(false);
    expect(await exists(file)).toBe(false);
    expect(await databaseExists(target)).toBe(false);
  });
});

describeWithTools('pgbak restore runs genuine pg_dump plain output', () => {
  it('restores COPY data, strings, function bodies and comments full of backslashes, psql restricted by pgbak\'s own key', async () => {
    const target = state.unusedName('mc_genuine');
    // pg_dump 15.14 and later bracket the script in \restrict / \unrestrict: those lines are blanked for pgbak's key.
    expect(await backup.reader.readText(entry)).toMatch(/^\\restrict \w+$/m);
    const dry = await pgbak(['restore', backup.archive, '--target', target, '--create', '--dry-run']);
    expect(dry.stdout).toMatch(/psql .*'--command=\\restrict <random key>' --file=-/);

    const result = await pgbak(['restore', backup.archive, '--target', target, '--create']);

    expect(result.exitCode).toBe(0);
    expect(await query(cluster, target, 'SELECT id, note FROM slashes ORDER BY id')).toEqual([
      { id: 1, note: '\\! touch /tmp/not-a-command' },
      { id: 2, note: '\\.' },
      { id: 3, note: 'line\nbreak\\.' },
      { id: 4, note: '\\o x \\w y \\g |z' },
    ]);
    expect(await query(cluster, target, 'SELECT "odd\\!name"() AS v')).toEqual([{ v: '\\gexec\\! neither' }]);
  });

  it('allows the \\connect, \\encoding and \\restrict lines pg_dump writes itself', async () => {
    const key = 'AbC123xyz';
    const target = state.unusedName('mc_connect');
    const tampered = await rewriteEntry(
      backup.archive,
      entry,
      (sql) => `\\restrict ${key}\n\\unrestrict ${key}\n\\encoding SQL_ASCII\n\\connect -reuse-previous=on "dbname='${target}'"\n\\encoding UTF8\n${sql}`,
      true,
    );
    const result = await pgbak(['restore', tampered, '--target', target, '--create']);

    expect(result.exitCode).toBe(0);
    expect(await query(cluster, target, 'SELECT count(*)::int AS n FROM slashes')).toEqual([{ n: 4 }]);
  });
});
