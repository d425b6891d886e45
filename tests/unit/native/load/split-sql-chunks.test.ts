// Property-like tests: the same script must split the same way whatever the chunk
// boundaries, including a cut at every byte position; randomly assembled scripts
// of awkward pieces split into exactly the statements they were built from.
import { splitSql } from '../../../../lib/sql/script/split-sql.js';
import { CHUNK_SIZES, collect, sourceOf, type Collected } from './support.js';

const TRICKY = [
  '\\restrict k3y\r\n',
  '-- header; with a semicolon\n',
  "SET client_encoding = 'UTF8';\n",
  'SET standard_conforming_strings = off;\n',
  "SELECT 'a\\';b', E'\\\\';\n",
  'SET standard_conforming_strings = on;\r\n',
  "SELECT 'c:\\', 'it''s;', U&'d\\0061t;';\n",
  '/* outer /* inner; */ still; */ SELECT 1;\n',
  'CREATE TABLE "we;ird ""x""" ("a;b" int, "☕" text);\n',
  "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $fn$\nBEGIN RETURN $$;$$ || '$fn'; END;\n$fn$;\n",
  'CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n SELECT CASE WHEN x > 0 THEN 1 END;\n SELECT 2;\nEND;\n',
  'CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); DELETE FROM b;);\n',
  'PREPARE p AS SELECT $1, a$b$c;\n',
  'COPY "s"."t;x" ("a)", b) FROM stdin;\n',
  "1\tit's;\t\\\\.\n\\.x\n\\\n2\t日本語\t\\N\r\n",
  '\\.\r\n',
  'SELECT pg_catalog.setval(\'"s"."seq;"\', 42, true);\n',
  'COPY t FROM stdin;\n\\.\n',
  'BEGIN;\nSELECT pg_catalog.lo_open(\'16484\', 131072);\nCOMMIT;\n',
  '\\unrestrict k3y\n',
  'SELECT 4-1 -- trailing, no semicolon',
].join('');

function feed(chunks: Buffer[]): Promise<Collected[]> {
  return (async () => {
    const items: Collected[] = [];
    for await (const item of splitSql(sourceOf(chunks))) {
      if (item.type === 'statement') items.push({ type: 'statement', sql: item.sql, line: item.line });
      else {
        const parts: Buffer[] = [];
        for await (const part of item.data) parts.push(part as Buffer);
        items.push({ type: 'copy', sql: item.sql, line: item.line, dataLine: item.dataLine, data: Buffer.concat(parts).toString('utf8') });
      }
    }
    return items;
  })();
}

describe('splitSql chunk boundaries', () => {
  let whole: Collected[];

  beforeAll(async () => {
    whole = await collect(TRICKY);
  });

  it('finds every statement and COPY block of the tricky script', () => {
    expect(whole.map((item) => item.type)).toEqual([
      ...Array(11).fill('statement'),
      'copy',
      'statement',
      'copy',
      'statement',
      'statement',
      'statement',
      'statement',
    ]);
    expect(whole[11]).toMatchObject({ line: 20, dataLine: 21, data: "1\tit's;\t\\\\.\n\\.x\n\\\n2\t日本語\t\\N\r\n" });
    expect(whole[whole.length - 1]).toEqual({ type: 'statement', sql: 'SELECT 4-1 -- trailing, no semicolon', line: 33 });
  });

  it.each(CHUNK_SIZES)('splits the same in chunks of %i bytes', async (size) => {
    expect(await collect(TRICKY, size)).toEqual(whole);
  });

  it('splits the same when the script is cut in two at every byte position', async () => {
    const bytes = Buffer.from(TRICKY, 'utf8');
    for (let at = 0; at <= bytes.length; at++) {
      const got = await feed([bytes.subarray(0, at), bytes.subarray(at)]);
      if (JSON.stringify(got) !== JSON.stringify(whole)) expect({ at, got }).toEqual({ at, got: whole });
    }
  });

  it('reports the same error, with the same line, whatever the chunk size', async () => {
    const broken = `${TRICKY.slice(0, TRICKY.indexOf('\\unrestrict'))}\\copy t from x\n`;
    for (const size of CHUNK_SIZES) {
      await expect(collect(broken, size)).rejects.toThrow("line 32: psql meta-command \\copy is not supported by pgbak's loader; restore with psql");
    }
  });
});

// A small deterministic generator (mulberry32): failures reproduce.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "'a;b'",
  "'it''s'",
  "E'x\\'y;'",
  "E'\\\\'",
  '$$ ; $ $$',
  '$t$ $$ ; $t $t$',
  '"q;""x"',
  '"Größe"',
  '/* c; /* n; */ */',
  '-- c; \'"\n',
  '(1; 2)',
  '$1',
  'a$b',
  'x - y / z',
  '日本語',
  "U&'\\0041'",
  '\r\n',
  '\n',
  ' ',
  '\t',
];

const ROWS = ['1\ta;b\n', "x\t'\t\"\n", '\\\\.\n', '\\.x\n', '\\N\t\\t\n', '☕\t🍰\r\n', '\n', '--\t/*\n'];

function generate(next: () => number): { script: string; expected: string[] } {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const expected: string[] = [];
  let script = '';
  const count = 1 + Math.floor(next() * 6);
  for (let s = 0; s < count; s++) {
    script += pick(['', '\n', '-- lead;\n', '/* lead; */ ', '\r\n']);
    if (next() < 0.25) {
      const rows = Array.from({ length: Math.floor(next() * 4) }, () => pick(ROWS)).join('');
      const copy = 'COPY "t;" ("a)") FROM stdin;';
      script += `${copy}\n${rows}\\.${pick(['\n', '\r\n'])}`;
      expected.push(`${copy}|${rows}`);
      continue;
    }
    let body = 'SELECT';
    const pieces = 1 + Math.floor(next() * 5);
    for (let p = 0; p < pieces; p++) body += ` ${pick(PIECES)}`;
    body = body.trimEnd();
    // A trailing -- comment would swallow the semicolon.
    if (/--[^\n]*$/.test(body)) body += '\n';
    script += `${body};${pick([' ', '\n', ''])}`;
    expected.push(`${body};`);
  }
  return { script, expected };
}

describe('splitSql on generated scripts', () => {
  it('splits 300 random scripts into the statements they were made of, in chunks of 1, 2, 3 and 7 bytes', async () => {
    const next = random(20261123);
    for (let n = 0; n < 300; n++) {
      const { script, expected } = generate(next);
      for (const size of [1, 2, 3, 7, 1_000_000]) {
        const got = (await collect(script, size)).map((item) => (item.type === 'copy' ? `${item.sql}|${item.data}` : item.sql));
        if (JSON.stringify(got) !== JSON.stringify(expected)) expect({ script, size, got }).toEqual({ script, size, got: expected });
      }
    }
  });
});
