// Recognising the statements the loader treats specially, and pointing an error
// at the right line of the script.
import { classifyCopy, classifyTransactionControl, settingValue } from '../../../../lib/sql/script/classify-statement.js';
import { excerpt, failedLine } from '../../../../lib/engines/native/load/describe-failure.js';
import { stripLeadingComments } from '../../../../lib/sql/script/leading-comments.js';
import { terminatorAt } from '../../../../lib/sql/script/copy-terminator.js';

describe('classifyCopy', () => {
  it.each([
    ['COPY public.t (a, b) FROM stdin;', 'from-stdin'],
    ['copy "s"."t ""x"" FROM stdin" ("a)", "from") from STDIN;', 'from-stdin'],
    ['COPY t FROM STDIN WITH (FORMAT csv);', 'from-stdin'],
    ['COPY "stdin" FROM stdin;', 'from-stdin'],
    ['COPY t TO STDOUT;', 'to-stdout'],
    ['COPY (SELECT * FROM stdin) TO STDOUT;', 'to-stdout'],
    ["COPY t FROM '/tmp/stdin';", 'server'],
    ["COPY t FROM PROGRAM 'cat stdin';", 'server'],
    ['SELECT 1 FROM stdin;', null],
    ['COPYRIGHT;', null],
  ])('%s -> %s', (sql, kind) => {
    expect(classifyCopy(sql)).toBe(kind);
  });

  it('reads a column list of any length', () => {
    const columns = Array.from({ length: 300 }, (_, i) => `"c${i}"`).join(', ');
    expect(classifyCopy(`COPY t (${columns}) FROM stdin;`)).toBe('from-stdin');
  });
});

describe('classifyTransactionControl', () => {
  it.each([
    ['BEGIN;', 'begin'],
    ['begin transaction', 'begin'],
    ['START TRANSACTION;', 'begin'],
    ['COMMIT;', 'commit'],
    ['END WORK;', 'commit'],
    ['ROLLBACK;', 'rollback'],
    ['ABORT;', 'rollback'],
    ['BEGIN ISOLATION LEVEL SERIALIZABLE;', null],
    ['COMMIT PREPARED \'x\';', null],
    ['ROLLBACK TO SAVEPOINT a;', null],
  ])('%s -> %s', (sql, kind) => {
    expect(classifyTransactionControl(sql)).toBe(kind);
  });
});

describe('settingValue', () => {
  it('reads the forms a dump sets things with', () => {
    expect(settingValue("SET client_encoding = 'UTF8';", 'client_encoding')).toBe('UTF8');
    expect(settingValue('set SESSION standard_conforming_strings TO off', 'standard_conforming_strings')).toBe('off');
    expect(settingValue("SELECT pg_catalog.set_config('search_path', '', false);", 'search_path')).toBe('');
    expect(settingValue("SET client_encoding = 'UTF8';", 'search_path')).toBeNull();
    expect(settingValue("SET LOCAL client_encoding = 'LATIN1';", 'client_encoding')).toBeNull();
  });
});

describe('failedLine', () => {
  it('moves to the line of the error position inside a statement', () => {
    const item = { type: 'statement' as const, sql: 'SELECT 1,\n  2,\n  nope;', line: 10 };
    expect(failedLine(item, { code: '42703', position: '17' })).toBe(12);
    expect(failedLine(item, { code: '42703' })).toBe(10);
  });

  it('moves to the data row a COPY error names', () => {
    const item = { type: 'copy' as const, sql: 'COPY t FROM stdin;', line: 10, dataLine: 11, data: null as never };
    expect(failedLine(item, { code: '22P02', where: 'COPY t, line 3, column n: "x"' })).toBe(13);
    expect(failedLine(item, { code: '22P02', where: 'COPY "we, ird", line 1' })).toBe(11);
    expect(failedLine(item, new Error('connection lost'))).toBe(10);
  });
});

describe('helpers', () => {
  it('strips leading comments and counts their lines', () => {
    expect(stripLeadingComments('\n-- a\n/* b\n /* c */ */\n  SELECT 1;')).toEqual({ sql: 'SELECT 1;', lines: 4 });
    expect(stripLeadingComments('-- only')).toEqual({ sql: '', lines: 0 });
  });

  it('shortens a statement to its first line', () => {
    expect(excerpt('CREATE TABLE t (\n  id int\n);')).toBe('CREATE TABLE t ( …');
    expect(excerpt('SELECT 1;')).toBe('SELECT 1;');
    expect(excerpt(`SELECT '${'x'.repeat(100)}';`)).toHaveLength(80);
  });

  it('tells a terminator from data, and asks for more bytes when it cannot tell yet', () => {
    const at = (text: string, eof = false) => terminatorAt(Buffer.from(text), 0, eof);
    expect([at('\\.\n'), at('\\.\r\n'), at('\\.', true), at('\\.\r', true)]).toEqual([3, 4, 2, 3]);
    expect([at('\\.x'), at('\\\\.\n'), at('x'), at('\\.\rx')]).toEqual([0, 0, 0, 0]);
    expect([at(''), at('\\'), at('\\.'), at('\\.\r')]).toEqual([-1, -1, -1, -1]);
  });
});
