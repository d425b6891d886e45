// Until a table's part of a split dump has matched its sha256 (at its end), the loader
// may run from it only the session settings every part starts with and the COPY of
// its own table as the native engine writes it: nothing that could act outside the
// table's transaction. These tests hold the statement policy to what copyFromStatement
// writes, hostile names included.
import type { ZipReader } from '../../../lib/archive/index.js';
import { copyFromStatement } from '../../../lib/engines/native/copy-data.js';
import type { LoadEvent } from '../../../lib/engines/native/load/index.js';
import { PartCheck } from '../../../lib/restore/split-part-check.js';
import { displayName } from '../../../lib/sql/quote.js';

const settings = new Set(['SET statement_timeout = 0;', "SELECT pg_catalog.set_config('search_path', '', false);"]);
const reader = { path: '/backups/b.zip' } as ZipReader;

function checkFor(schema: string, table: string): PartCheck {
  return new PartCheck(reader, { name: 'full/app/data/0001.sql', sha256: '0'.repeat(64), bytes: 1 }, displayName(schema, table), settings);
}

const copy = (sql: string, line = 20): LoadEvent => ({ type: 'copy', line, sql: sql.trimEnd(), skipped: false });
const statement = (sql: string, skipped = false): LoadEvent => ({ type: 'statement', line: 10, sql, skipped });

describe('PartCheck.onStatement', () => {
  it.each([
    ['public', 'orders', ['id', 'total']],
    ['Weird Schema', 'café', ['Größe']],
    ['public', 'Order Items; DROP', ['a"b', 'x", "y']],
    ['s"."t', 'a"".""b', ['c']],
    ['public', 'no columns', []],
  ])('lets the COPY of its own table through: %s.%s', (schema, table, columns) => {
    const check = checkFor(schema, table);
    for (const sql of settings) check.onStatement(statement(sql));
    expect(() => check.onStatement(copy(copyFromStatement({ schema, table, columns, estimatedBytes: 0 })))).not.toThrow();
  });

  it.each([
    ['another table', 'COPY "public"."users" ("id") FROM stdin;'],
    ['a WHERE clause (a function call before the rows are checked)', 'COPY "public"."orders" ("id") FROM stdin WHERE pg_catalog.pg_terminate_backend(1);'],
    ['options', 'COPY "public"."orders" ("id") FROM stdin WITH (FORMAT csv);'],
    ['an unquoted name', 'COPY public.orders (id) FROM stdin;'],
  ])('refuses a COPY with %s before it runs', (_what, sql) => {
    expect(() => checkFor('public', 'orders').onStatement(copy(sql))).toThrow(/what the native engine never writes there/);
  });

  it('refuses a second COPY of its own table', () => {
    const check = checkFor('public', 'orders');
    const sql = copyFromStatement({ schema: 'public', table: 'orders', columns: ['id'], estimatedBytes: 0 });
    check.onStatement(copy(sql));
    expect(() => check.onStatement(copy(sql, 40))).toThrow(/at line 40/);
  });

  it.each([
    ["a statement that acts outside the transaction", "COPY (SELECT 1) TO '/tmp/x';"],
    ['a setting not in the header', "SET session_replication_role = 'replica';"],
    ['a CREATE', 'CREATE TABLE public.t ();'],
  ])('refuses %s before it runs, as ARCHIVE_INVALID naming the entry and the line', (_what, sql) => {
    expect(() => checkFor('public', 'orders').onStatement(statement(sql))).toThrow(
      expect.objectContaining({ code: 'ARCHIVE_INVALID', message: expect.stringContaining('full/app/data/0001.sql, the rows of public.orders, holds at line 10') }),
    );
  });

  it('refuses the script\'s own BEGIN/COMMIT, which the loader would skip', () => {
    expect(() => checkFor('public', 'orders').onStatement(statement('COMMIT;', true))).toThrow(/never writes there/);
  });
});
