// The guard between an archive's plain SQL and psql: the scan that refuses
// meta-commands pg_dump does not write, and psql's own \restrict behind it.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildPsqlArgs } from '../../../lib/restore/build-argv.js';
import { psqlRestricts } from '../../../lib/restore/check-scripts.js';
import { blankLines, checkUnrestrictedScript, restrictionFor } from '../../../lib/restore/restrict-psql.js';
import type { RestoreItem } from '../../../lib/restore/types.js';
import { scanPgDumpScript } from '../../../lib/sql/script/index.js';
import type { ToolInfo } from '../../../lib/tools/index.js';

const scan = (script: string, copyData = true) => scanPgDumpScript(Readable.from([Buffer.from(script)]), { copyData });
const psql = (major: number, minor: number): ToolInfo => ({ name: 'psql', path: '/usr/bin/psql', version: { major, minor, text: `${major}.${minor}` }, origin: 'install-dir' }) as ToolInfo;

describe('scanPgDumpScript', () => {
  it('lets pass what pg_dump writes: \\restrict, \\unrestrict, \\connect, \\encoding, COPY data ended by \\.', async () => {
    const script = [
      '\\restrict Ab12',
      'SET standard_conforming_strings = on;',
      'COPY t (a) FROM stdin;',
      '\\! data, not a command',
      '\\\\.',
      '\\.',
      '\\unrestrict Ab12',
      '\\encoding SQL_ASCII',
      '\\connect -reuse-previous=on "dbname=\'we""ird\'"',
      '\\connect "Other.DB"',
      '\\connect plain_name',
      '',
    ].join('\n');
    expect(await scan(script)).toEqual({ restrictLines: [1, 7], connects: true, ambiguousLine: null });
  });

  it('refuses every other meta-command, anywhere outside quotes, comments and COPY data', async () => {
    for (const [script, line, name] of [
      ['\\! touch x\n', 1, '\\!'],
      ['SELECT 1;\n  \\o /tmp/x\n', 2, '\\o'],
      ['SELECT 1 \\g |sh\n', 1, '\\g'],
      ["SELECT $$a$$, 'b'; \\w f\n", 1, '\\w'],
      ['COPY t FROM stdin;\n1\n\\.\n\\copy t to program \'sh\'\n', 4, '\\copy'],
      ['\\.\n', 1, '\\.'],
      ['\\connect db host=evil\n', 1, '\\connect'],
      ['\\connect -reuse-previous=on "dbname=db host=evil"\n', 1, '\\connect'],
      ['\\restrict key; \\! x\n', 1, '\\restrict'],
      ['SET standard_conforming_strings = off;\nSELECT \'\\\'\';\n\\! x\n', 3, '\\!'],
    ] as const) {
      await expect(scan(script)).rejects.toThrow(`line ${line}: psql meta-command ${name} `);
    }
  });

  it('reads backslashes in strings, dollar quotes, comments and identifiers as text', async () => {
    const script = "SELECT E'\\\\! x', '\\o', \"\\w\" /* \\! */ -- \\i f\n, $f$\n\\! inside a body\n$f$;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n";
    expect(await scan(script)).toEqual({ restrictLines: [], connects: false, ambiguousLine: null });
  });

  it('notes a literal psql reads otherwise with standard_conforming_strings off (a quote after an odd run of backslashes)', async () => {
    // psql with the setting off would read \' as a quote inside the string, and \! as a command after it.
    const hidden = "SELECT 'a\\' , ' \\! touch x ';\n";
    expect((await scan(`SELECT 1;\n${hidden}`)).ambiguousLine).toBe(2);
    expect((await scan("SELECT 'a\\\\', 'it''s', E'\\'', 'b\\c';\n")).ambiguousLine).toBeNull();
    expect((await scan("SET standard_conforming_strings = off;\nSELECT 'x', E'\\'';\nSELECT 'y\\'';\n")).ambiguousLine).toBe(3);
  });

  it('notes an escape string with a backslash right after a non-ASCII byte (one character in SJIS, BIG5, GBK…)', async () => {
    const sjis = Buffer.concat([Buffer.from("SELECT 1;\nSELECT E'"), Buffer.from([0x95, 0x5c]), Buffer.from("' \\! x ';\n")]);
    expect((await scanPgDumpScript(Readable.from([sjis]), { copyData: true })).ambiguousLine).toBe(2);
    expect((await scan("SELECT 'é\\a', E'é \\n';\n")).ambiguousLine).toBeNull();
  });

  it('refuses such a script where psql cannot be restricted, and only there', () => {
    const scanned = { restrictLines: [], connects: false, ambiguousLine: 4 };
    expect(() => checkUnrestrictedScript('full/app.sql', scanned, psql(15, 13))).toThrow(/^full\/app\.sql: line 4: a string literal that psql may read otherwise.*psql 15\.13 has no \\restrict/);
    expect(() => checkUnrestrictedScript('full/app.sql', scanned, psql(15, 14))).not.toThrow();
    expect(() => checkUnrestrictedScript('full/app.sql', { ...scanned, ambiguousLine: null }, psql(15, 13))).not.toThrow();
  });

  it('reads scripts in other encodings than UTF-8', async () => {
    expect(await scanPgDumpScript(Readable.from([Buffer.from("SET client_encoding = 'LATIN1';\nSELECT '\xe9';\n", 'latin1')]), { copyData: true })).toEqual({ restrictLines: [], connects: false, ambiguousLine: null });
  });

  it('refuses COPY data where psql would go on after a failed COPY', async () => {
    await expect(scan('COPY t FROM stdin;\n\\.\n', false)).rejects.toThrow(/line 1: COPY … FROM stdin in a script psql runs past errors/);
  });
});

describe('psql restriction', () => {
  it('knows which psql releases have \\restrict', () => {
    expect([psqlRestricts({ major: 15, minor: 13 }), psqlRestricts({ major: 15, minor: 14 }), psqlRestricts({ major: 17, minor: 6 }), psqlRestricts({ major: 12, minor: 99 }), psqlRestricts({ major: 18, minor: 0 })]).toEqual([
      false,
      true,
      true,
      false,
      true,
    ]);
  });

  it('restricts with a fresh key unless the psql is too old or the script switches databases', () => {
    const a = restrictionFor({ restrictLines: [9, 2], connects: false, ambiguousLine: null }, psql(15, 18));
    const b = restrictionFor({ restrictLines: [], connects: false, ambiguousLine: null }, psql(15, 18));
    expect(a).toEqual({ key: expect.stringMatching(/^[0-9a-f]{48}$/), blank: [2, 9] });
    expect(b!.key).not.toBe(a!.key);
    expect(restrictionFor({ restrictLines: [], connects: false, ambiguousLine: null }, psql(15, 13))).toBeNull();
    expect(restrictionFor({ restrictLines: [], connects: true, ambiguousLine: null }, psql(17, 6))).toBeNull();
    expect(restrictionFor(undefined, psql(17, 6))).toBeNull();
  });

  it('runs \\restrict <key> before the script', () => {
    const item: RestoreItem = { step: 'full', database: 'app', format: 'plain', input: { type: 'entry', name: 'full/app.sql', gunzip: false }, target: 'app', dumpVersion: '15.18' };
    expect(buildPsqlArgs(item, { host: 'h', port: 5432, user: 'u' }, {}, 'k3y').slice(-2)).toEqual(['--command=\\restrict k3y', '--file=-']);
  });

  it.each([1, 2, 3, 7, 1000])('blanks the given lines, keeping their line ends, in chunks of %i bytes', async (size) => {
    const text = '\\restrict abc\r\nSELECT 1;\n\n\\unrestrict abc\nSELECT 2;\n\\restrict x';
    const bytes = Buffer.from(text);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), blankLines([1, 4, 6]), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    });
    expect(Buffer.concat(out).toString()).toBe('\nSELECT 1;\n\n\nSELECT 2;\n');
  });
});
