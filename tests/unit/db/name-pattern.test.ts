import { patternToRegex } from '../../../lib/db/name-pattern.js';

// The expected expressions are those pg_dump 15 sends to the server for the same
// --table / --schema patterns (patternToSQLRegex in src/fe_utils/string_utils.c);
// tests/integration/db/resolve-scope.test.ts checks the tables they select
// against pg_dump's own choice on a real database.

const table = (pattern: string) => patternToRegex(pattern, 3);
const schema = (pattern: string) => patternToRegex(pattern, 1);

describe('patternToRegex', () => {
  it('anchors each part as ^(...)$ and splits schema and name at an unquoted dot', () => {
    expect(table('orders')).toEqual({ database: null, schema: null, name: '^(orders)$', dots: 0 });
    expect(table('public.orders')).toEqual({ database: null, schema: '^(public)$', name: '^(orders)$', dots: 1 });
  });

  it('turns * into .* and ? into . outside quotes, and keeps them literal inside', () => {
    expect(table('pub*.t?')).toMatchObject({ schema: '^(pub.*)$', name: '^(t.)$' });
    expect(table('"t*?"').name).toBe('^(t\\*\\?)$');
  });

  it('folds unquoted ASCII upper case and keeps quoted case', () => {
    expect(table('Sales."Orders"X')).toMatchObject({ schema: '^(sales)$', name: '^(Ordersx)$' });
    // Only ASCII folds, as pg_dump's isupper on single bytes: non-ASCII letters stay.
    expect(table('ÉTÉ').name).toBe('^(ÉtÉ)$');
  });

  it('passes regular-expression syntax through outside quotes, as pg_dump does', () => {
    expect(table('plai[n]').name).toBe('^(plai[n])$');
    expect(table('a(b|c)+{2}^').name).toBe('^(a(b|c)+{2}^)$');
    expect(table('a\\d').name).toBe('^(a\\d)$');
  });

  it('escapes regular-expression syntax inside quotes', () => {
    expect(table('"plai[n]"').name).toBe('^(plai\\[n\\])$');
    expect(table('"a(b|c)+{2}^\\"').name).toBe('^(a\\(b\\|c\\)\\+\\{2\\}\\^\\\\)$');
    expect(table('"x.y"')).toMatchObject({ schema: null, name: '^(x\\.y)$', dots: 0 });
  });

  it('always takes $ literally and [] as an array type name', () => {
    expect(table('$(touch /tmp/x)').name).toBe('^(\\$(touch /tmp/x))$');
    expect(table('"$x"').name).toBe('^(\\$x)$');
    expect(table('int4[]').name).toBe('^(int4\\[])$');
  });

  it('reads a doubled quote inside quotes as one quote, and an unterminated quote to the end', () => {
    expect(table('"a""b"').name).toBe('^(a"b)$');
    // pg_dump does not refuse it: a"b is the name ab, which then matches nothing.
    expect(table('a"b').name).toBe('^(ab)$');
    expect(table('"a.b').name).toBe('^(a\\.b)$');
  });

  it('takes the database part of db.schema.name literally (case folded, quotes removed)', () => {
    expect(table('App.public.t')).toEqual({ database: 'app', schema: '^(public)$', name: '^(t)$', dots: 2 });
    expect(table('"App".s.t').database).toBe('App');
    expect(table('ap*.s.t').database).toBe('ap*');
  });

  it('counts dots beyond the parts it fills and keeps them in the name, for the caller to refuse', () => {
    expect(table('a.b.c.d')).toMatchObject({ database: 'a', schema: '^(b)$', name: '^(c.d)$', dots: 3 });
    expect(schema('a.b')).toEqual({ database: null, schema: null, name: '^(a.b)$', dots: 1 });
    expect(schema('"a.b"').dots).toBe(0);
  });

  it('leaves an empty part empty, which matches nothing', () => {
    expect(table('.plain')).toMatchObject({ schema: '^()$', name: '^(plain)$' });
    expect(table('').name).toBe('^()$');
  });
});
