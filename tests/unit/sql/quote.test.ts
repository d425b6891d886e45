import { displayName, quoteIdent, quoteLiteral, quoteQualified } from '../../../lib/sql/quote.js';

describe('quoteIdent', () => {
  it.each([
    ['orders', '"orders"'],
    ['Orders', '"Orders"'],
    ['order items', '"order items"'],
    ['say "hi"', '"say ""hi"""'],
    ['"', '""""'],
    ['""', '""""""'],
    ["it's", '"it\'s"'],
    ['select', '"select"'],
    ['user', '"user"'],
    ['table', '"table"'],
    ['a.b', '"a.b"'],
    ['日本語', '"日本語"'],
    ['café', '"café"'],
    ['emoji 🐘', '"emoji 🐘"'],
    ['back\\slash', '"back\\slash"'],
    ['semi;colon -- comment', '"semi;colon -- comment"'],
    ['new\nline', '"new\nline"'],
    ['$1', '"$1"'],
    ['"; DROP TABLE x; --', '"""; DROP TABLE x; --"'],
  ])('quotes %j as %s', (name, quoted) => {
    expect(quoteIdent(name)).toBe(quoted);
  });

  it('reads back as the same name when parsed as a delimited identifier', () => {
    const unquote = (q: string) => q.slice(1, -1).replace(/""/g, '"');
    for (const name of ['x', 'a"b', '"""', 'Mixed Case', '🐘"🐘']) expect(unquote(quoteIdent(name))).toBe(name);
  });

  it('refuses a NUL byte rather than truncating the name', () => {
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
  });

  it('refuses the empty string, which PostgreSQL rejects as a zero-length identifier', () => {
    expect(() => quoteIdent('')).toThrow(/empty/);
  });
});

describe('quoteQualified', () => {
  it('quotes each part separately', () => {
    expect(quoteQualified('My Schema', 'a.b')).toBe('"My Schema"."a.b"');
    expect(quoteQualified('public', 'x"y')).toBe('"public"."x""y"');
  });
});

describe('displayName', () => {
  it('shows plain lower-case names without quotes', () => {
    expect(displayName('public', 'orders')).toBe('public.orders');
    expect(displayName('_s1', 'price$usd')).toBe('_s1.price$usd');
  });

  it('quotes parts that would not read back as the same name', () => {
    expect(displayName('Weird Schema', 'Order Items')).toBe('"Weird Schema"."Order Items"');
    expect(displayName('public', 'Orders')).toBe('public."Orders"');
    expect(displayName('public', '1st')).toBe('public."1st"');
    expect(displayName('public', 'café')).toBe('public."café"');
    expect(displayName('public', 'a"b')).toBe('public."a""b"');
  });

  it('keeps a dot inside a name distinct from the schema separator', () => {
    expect(displayName('a.b', 'c')).toBe('"a.b".c');
    expect(displayName('a', 'b.c')).toBe('a."b.c"');
    expect(displayName('a.b', 'c')).not.toBe(displayName('a', 'b.c'));
  });
});

describe('quoteLiteral', () => {
  it('doubles single quotes and leaves backslashes alone (standard_conforming_strings)', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe("'a\\b'");
    expect(quoteLiteral('')).toBe("''");
  });

  it('refuses a NUL byte', () => {
    expect(() => quoteLiteral('a\0')).toThrow(/NUL/);
  });
});
