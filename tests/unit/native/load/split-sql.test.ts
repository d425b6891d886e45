// The splitter against the SQL a dump holds and the SQL that trips splitters up:
// semicolons in every kind of quote and comment, function bodies, psql's
// meta-commands, COPY blocks; each fed whole and in tiny chunks.
import { CHUNK_SIZES, collect, statements } from './support.js';

describe('splitSql statements', () => {
  it('splits on semicolons and gives each statement the line of its first token', async () => {
    const script = '-- header\n--\n\nSET a = 1;\nSELECT 1;   SELECT 2;\n\n/* note */ CREATE TABLE t (\n  id int\n);\n';
    expect(await collect(script)).toEqual([
      { type: 'statement', sql: 'SET a = 1;', line: 4 },
      { type: 'statement', sql: 'SELECT 1;', line: 5 },
      { type: 'statement', sql: 'SELECT 2;', line: 5 },
      { type: 'statement', sql: 'CREATE TABLE t (\n  id int\n);', line: 7 },
    ]);
  });

  it('yields a final statement that has no semicolon, and nothing for trailing comments', async () => {
    expect(await statements('SELECT 1;\nSELECT 2\n')).toEqual(['SELECT 1;', 'SELECT 2']);
    expect(await statements('SELECT 1;\n-- the end\n/* really */\n')).toEqual(['SELECT 1;']);
    expect(await statements('SELECT 1; -- no newline at the end')).toEqual(['SELECT 1;']);
  });

  it('yields nothing for an empty script, one of comments only, and empty statements', async () => {
    expect(await statements('')).toEqual([]);
    expect(await statements('-- only\n/* comments */\n')).toEqual([]);
    expect(await statements(';;\n ; SELECT 1;;')).toEqual(['SELECT 1;']);
  });

  it('keeps semicolons inside single-quoted strings, with doubled quotes', async () => {
    expect(await statements("INSERT INTO t VALUES ('a;b', 'it''s; fine', '''');SELECT ';'")).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s; fine', '''');",
      "SELECT ';'",
    ]);
  });

  it('reads backslash escapes in E strings, and only there while standard_conforming_strings is on', async () => {
    expect(await statements("SELECT E'it\\'s; \\\\', e'\\\\';SELECT 'C:\\';SELECT 2;")).toEqual([
      "SELECT E'it\\'s; \\\\', e'\\\\';",
      "SELECT 'C:\\';",
      'SELECT 2;',
    ]);
    // An identifier ending in e is no E string: the backslash before the quote is plain.
    expect(await statements("SELECT type'\\';SELECT 3;")).toEqual(["SELECT type'\\';", 'SELECT 3;']);
  });

  it('follows SET standard_conforming_strings: off makes a backslash escape the quote in plain strings', async () => {
    const script = "SET standard_conforming_strings = off;\nSELECT 'a\\';b';\nSET standard_conforming_strings = on;\nSELECT 'c:\\';SELECT 4;";
    expect(await statements(script)).toEqual([
      'SET standard_conforming_strings = off;',
      "SELECT 'a\\';b';",
      'SET standard_conforming_strings = on;',
      "SELECT 'c:\\';",
      'SELECT 4;',
    ]);
  });

  it('keeps dollar-quoted bodies whole, with or without a tag, and other tags inside them', async () => {
    const fn = "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$\nBEGIN\n  RETURN $$;$$ || $x$ ' \" -- $x$; -- $body is not the end\nEND;\n$body$;";
    expect(await statements(`${fn}\nSELECT $$a;b$$;\nSELECT $_1$;$_1$;`)).toEqual([fn, 'SELECT $$a;b$$;', 'SELECT $_1$;$_1$;']);
  });

  it('does not take positional parameters or identifiers with $ for dollar quotes', async () => {
    expect(await statements('PREPARE p AS SELECT $1, $2;\nSELECT a$b$c, x$ FROM t;\nSELECT 1;')).toEqual([
      'PREPARE p AS SELECT $1, $2;',
      'SELECT a$b$c, x$ FROM t;',
      'SELECT 1;',
    ]);
    // `$1$` is a parameter followed by a `$`, not a tag.
    expect(await statements('SELECT $1$;SELECT 2;')).toEqual(['SELECT $1$;', 'SELECT 2;']);
  });

  it('closes a dollar quote on its own tag only, also when a $ starts the closing tag twice', async () => {
    expect(await statements('SELECT $a$ $b$ ; $ab$ ; $$a$;SELECT 2;')).toEqual(['SELECT $a$ $b$ ; $ab$ ; $$a$;', 'SELECT 2;']);
  });

  it('keeps semicolons, quotes and dashes inside double-quoted identifiers with doubled quotes', async () => {
    const create = 'CREATE TABLE "we;ird ""t"" -- /*" ("select;" int, "\'" text);';
    expect(await statements(`${create}\nSELECT 1;`)).toEqual([create, 'SELECT 1;']);
  });

  it('ignores semicolons and quotes in line comments and nested block comments', async () => {
    const script = "SELECT 1 -- a ; b ' c\n+ 1;\nSELECT /* one /* two ; */ still ' in */ 2;\nSELECT 3 /* ** / * */;";
    expect(await statements(script)).toEqual(["SELECT 1 -- a ; b ' c\n+ 1;", "SELECT /* one /* two ; */ still ' in */ 2;", 'SELECT 3 /* ** / * */;']);
  });

  it('takes a lone minus or slash for an operator', async () => {
    expect(await statements('SELECT 4-1, 4/2, -1;SELECT 2-/**/-1;')).toEqual(['SELECT 4-1, 4/2, -1;', 'SELECT 2-/**/-1;']);
  });

  it('keeps a rule with several actions in parentheses as one statement', async () => {
    const rule = 'CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); UPDATE b SET n = n + 1;);';
    expect(await statements(`${rule}\nSELECT 1;`)).toEqual([rule, 'SELECT 1;']);
  });

  it('keeps a SQL-standard function body (BEGIN ATOMIC … END, CASE inside) as one statement', async () => {
    const fn = 'CREATE FUNCTION public.f(x int) RETURNS int\n    LANGUAGE sql\n    BEGIN ATOMIC\n SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n SELECT 2;\nEND;';
    const proc = 'create or replace procedure p() language sql begin atomic insert into t values (1); end;';
    expect(await statements(`${fn}\n${proc}\nBEGIN;\nCOMMIT;`)).toEqual([fn, proc, 'BEGIN;', 'COMMIT;']);
  });

  it('does not count BEGIN outside a CREATE FUNCTION or inside parentheses', async () => {
    expect(await statements('DO $$BEGIN PERFORM 1; END$$;\nCREATE TABLE begin (end int);\nSELECT 1;')).toEqual([
      'DO $$BEGIN PERFORM 1; END$$;',
      'CREATE TABLE begin (end int);',
      'SELECT 1;',
    ]);
    expect(await statements('CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS $$ SELECT begin $$;\nSELECT 2;')).toEqual([
      'CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS $$ SELECT begin $$;',
      'SELECT 2;',
    ]);
  });

  it('handles Windows line endings, counting lines the same', async () => {
    const script = 'SET a = 1;\r\n\r\n-- c\r\nSELECT \'x;\r\ny\';\r\nSELECT 2;\r\n';
    expect(await collect(script)).toEqual([
      { type: 'statement', sql: 'SET a = 1;', line: 1 },
      { type: 'statement', sql: "SELECT 'x;\r\ny';", line: 4 },
      { type: 'statement', sql: 'SELECT 2;', line: 6 },
    ]);
  });

  it('keeps unicode in identifiers and strings intact, whatever the chunk size', async () => {
    const script = 'INSERT INTO "Weird Schema"."café" ("Größe") VALUES (\'日本語; ☕🍰\');\nSELECT ärger$ FROM ünïcode;';
    for (const size of CHUNK_SIZES) {
      expect(await statements(script, size)).toEqual(['INSERT INTO "Weird Schema"."café" ("Größe") VALUES (\'日本語; ☕🍰\');', 'SELECT ärger$ FROM ünïcode;']);
    }
  });
});

describe('splitSql errors', () => {
  it.each([
    ["SELECT 'abc;\n", "line 1: the script ends inside a quoted string ('…')"],
    ['SELECT 1;\nSELECT "abc;', 'line 2: the script ends inside a quoted identifier ("…")'],
    ['\n\nSELECT $x$ body;', 'line 3: the script ends inside a dollar-quoted body ($…$)'],
    ['SELECT 1 /* /* */ ;', 'line 1: the script ends inside a /* comment */'],
    ["SELECT E'\\';", "line 1: the script ends inside an escaped string (E'…')"],
  ])('names the line where an unclosed quote or comment starts: %j', async (script, message) => {
    await expect(collect(script)).rejects.toThrow(message);
  });

  it('refuses a statement that is not valid UTF-8, naming its line', async () => {
    await expect(collect(Buffer.concat([Buffer.from('SELECT 1;\nSELECT \''), Buffer.from([0xff, 0xfe]), Buffer.from("';")]))).rejects.toThrow(
      'line 2: the statement is not valid UTF-8',
    );
  });

  it('refuses a statement larger than maxStatementBytes instead of buffering without end', async () => {
    await expect(collect(`SELECT 1;\nSELECT '${'x'.repeat(5000)}`, 100, { maxStatementBytes: 1000 })).rejects.toThrow(/line 2: a statement longer than/);
  });
});

describe('splitSql psql meta-commands', () => {
  it('ignores \\restrict and \\unrestrict, as pg_dump 17.6 / 15.14 and later write them', async () => {
    const script = '--\n\\restrict abcDEF123\n\nSET a = 1;\n\\unrestrict abcDEF123\r\n';
    expect(await collect(script)).toEqual([{ type: 'statement', sql: 'SET a = 1;', line: 4 }]);
  });

  it('refuses \\connect and \\c with the line and a hint to use psql', async () => {
    await expect(collect('SET a = 1;\n\\connect other\nSELECT 1;')).rejects.toMatchObject({
      message: expect.stringContaining("line 2: the script switches databases with \\connect, which pgbak's loader does not do"),
      hint: expect.stringContaining('psql'),
    });
    await expect(collect('\\c other')).rejects.toThrow(/line 1: the script switches databases/);
  });

  it('refuses any other meta-command by name', async () => {
    await expect(collect('SELECT 1;\n\n\\set ON_ERROR_STOP on\n')).rejects.toThrow(
      "line 3: psql meta-command \\set is not supported by pgbak's loader; restore with psql",
    );
    await expect(collect('SELECT 1 \\gset\n')).rejects.toThrow(/line 1: a psql meta-command .* in the middle of a statement/);
    await expect(collect('\\! rm -rf /\n')).rejects.toThrow("psql meta-command \\! is not supported by pgbak's loader");
  });

  it('refuses \\. outside a COPY block', async () => {
    await expect(collect('SELECT 1;\n\\.\n')).rejects.toThrow('line 2: \\. outside a COPY … FROM stdin block');
  });

  it('takes a backslash inside quotes and comments for text, not a meta-command', async () => {
    expect(await statements("SELECT '\\connect x' -- \\c y\n, $$\\q$$, \"\\g\" /* \\! */;")).toEqual(["SELECT '\\connect x' -- \\c y\n, $$\\q$$, \"\\g\" /* \\! */;"]);
  });
});

describe('splitSql COPY blocks', () => {
  const copy = 'COPY "s"."t ""x"")" (id, "a;b)", note) FROM stdin;';

  it('yields COPY … FROM stdin with its rows up to, not including, the \\. line', async () => {
    const rows = '1\tx;y\t\\N\n2\tit\'s "q"\t-- not a comment\n3\t\\\\.\t\\.\n';
    expect(await collect(`SET a = 1;\n${copy}\n${rows}\\.\nSELECT 2;\n`)).toEqual([
      { type: 'statement', sql: 'SET a = 1;', line: 1 },
      { type: 'copy', sql: copy, line: 2, dataLine: 3, data: rows },
      { type: 'statement', sql: 'SELECT 2;', line: 7 },
    ]);
  });

  it('yields empty data for a COPY with no rows, and handles two COPYs in a row', async () => {
    expect(await collect(`${copy}\n\\.\n${copy}\n1\n\\.\n`)).toEqual([
      { type: 'copy', sql: copy, line: 1, dataLine: 2, data: '' },
      { type: 'copy', sql: copy, line: 3, dataLine: 4, data: '1\n' },
    ]);
  });

  it('ends COPY data at \\. with CRLF and at \\. at the very end of the file', async () => {
    expect(await collect(`${copy}\r\n1\tx\r\n\\.\r\nSELECT 1;`)).toEqual([
      { type: 'copy', sql: copy, line: 1, dataLine: 2, data: '1\tx\r\n' },
      { type: 'statement', sql: 'SELECT 1;', line: 4 },
    ]);
    expect(await collect(`${copy}\n1\n\\.`)).toEqual([{ type: 'copy', sql: copy, line: 1, dataLine: 2, data: '1\n' }]);
  });

  it('takes lines that only start like the terminator for data', async () => {
    const rows = '\\.x\n\\.\t\n \\.\n\\\n\\.\r1\n';
    expect(await collect(`${copy}\n${rows}\\.\n`)).toEqual([{ type: 'copy', sql: copy, line: 1, dataLine: 2, data: rows }]);
  });

  it('refuses a COPY whose data has no \\. line: the file was cut short', async () => {
    await expect(collect(`SELECT 1;\n${copy}\n1\n2\n`)).rejects.toThrow(/line 5: the script ends inside COPY data, before its \\\. line/);
    await expect(collect(copy)).rejects.toThrow(/ends inside COPY data/);
  });

  it('accepts only blanks or a comment after the COPY statement on its line', async () => {
    expect(await statements(`${copy}  -- data follows\n1\n\\.\n`)).toEqual([`${copy}\n1\n`]);
    await expect(collect(`${copy} SELECT 1;\n1\n\\.\n`)).rejects.toThrow(/line 1: unexpected text after COPY … FROM stdin;/);
  });

  it('runs COPY to stdout, from a file or from a query as an ordinary statement', async () => {
    const script = "COPY (SELECT * FROM stdin) TO STDOUT;\nCOPY t FROM '/tmp/x';\nCOPY t TO stdout;\nSELECT 1;";
    expect((await collect(script)).map((i) => i.type)).toEqual(['statement', 'statement', 'statement', 'statement']);
  });

  it('streams COPY data that looks like SQL, meta-commands and quotes without interpreting it', async () => {
    const rows = "'unclosed\n$$ also\n/* and\n\\connect x\n;\n";
    expect(await collect(`${copy}\n${rows}\\.\nSELECT 1;`)).toEqual([
      { type: 'copy', sql: copy, line: 1, dataLine: 2, data: rows },
      { type: 'statement', sql: 'SELECT 1;', line: 8 },
    ]);
  });
});
