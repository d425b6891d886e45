import { buildCreateCollation, type CollationRow } from '../../../../lib/engines/native/catalog/collations.js';
import { buildCreateComposite, buildCreateDomain, buildCreateEnum, buildCreateRange } from '../../../../lib/engines/native/catalog/type-build.js';

describe('buildCreateEnum', () => {
  it('lists labels in order as literals', () => {
    expect(buildCreateEnum('s', 'Mood', ['sad', "it's"])).toBe('CREATE TYPE "s"."Mood" AS ENUM (\n    \'sad\',\n    \'it\'\'s\'\n);\n');
  });
  it('writes an enum without labels', () => {
    expect(buildCreateEnum('s', 'e', [])).toBe('CREATE TYPE "s"."e" AS ENUM (\n);\n');
  });
});

describe('buildCreateComposite', () => {
  it('writes attributes with their collation', () => {
    expect(buildCreateComposite('s', 'pair', [{ name: 'b c', type: 'text', collation: '"pg_catalog"."C"' }])).toBe(
      'CREATE TYPE "s"."pair" AS (\n\t"b c" text COLLATE "pg_catalog"."C"\n);\n',
    );
  });
});

describe('buildCreateRange', () => {
  it('writes only the options that differ from the defaults', () => {
    const sql = buildCreateRange('s', 'r', {
      subtype: 'text',
      multirange: '"s"."r_multirange"',
      opclass: '"pg_catalog"."text_pattern_ops"',
      collation: null,
      canonical: null,
      subtypeDiff: null,
    });
    expect(sql).toBe(
      'CREATE TYPE "s"."r" AS RANGE (\n    subtype = text,\n    multirange_type_name = "s"."r_multirange",\n    subtype_opclass = "pg_catalog"."text_pattern_ops"\n);\n',
    );
  });
});

describe('buildCreateDomain', () => {
  it('writes collation, NOT NULL, default and named checks', () => {
    const sql = buildCreateDomain('s', 'pos', {
      baseType: 'integer',
      collation: null,
      notNull: true,
      default: '1',
      checks: [{ name: 'pos "check"', definition: 'CHECK ((VALUE > 0))' }],
    });
    expect(sql).toBe('CREATE DOMAIN "s"."pos" AS integer NOT NULL DEFAULT 1\n\tCONSTRAINT "pos ""check""" CHECK ((VALUE > 0));\n');
  });
});

describe('buildCreateCollation', () => {
  const row = (overrides: Partial<CollationRow>): CollationRow => ({
    oid: 1,
    nspname: 's',
    nspoid: 2,
    collname: 'c',
    collprovider: 'c',
    collisdeterministic: true,
    collcollate: 'C',
    collctype: 'C',
    locale: null,
    rules: null,
    ...overrides,
  });
  it('uses locale when collate and ctype agree', () => {
    expect(buildCreateCollation(row({}))).toBe('CREATE COLLATION "s"."c" (provider = libc, locale = \'C\');\n');
  });
  it('writes lc_collate and lc_ctype when they differ', () => {
    expect(buildCreateCollation(row({ collctype: 'en_US.utf8' }))).toBe(
      'CREATE COLLATION "s"."c" (provider = libc, lc_collate = \'C\', lc_ctype = \'en_US.utf8\');\n',
    );
  });
  it('writes an ICU locale, non-determinism and rules', () => {
    expect(buildCreateCollation(row({ collprovider: 'i', collisdeterministic: false, collcollate: null, collctype: null, locale: 'und', rules: '&a < b' }))).toBe(
      'CREATE COLLATION "s"."c" (provider = icu, deterministic = false, locale = \'und\', rules = \'&a < b\');\n',
    );
  });
});
