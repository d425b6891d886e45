import { patternToRegex } from '../../../lib/db/name-pattern.js';
import { relationKey, type ResolvedScope } from '../../../lib/db/resolve-scope.js';
import { createScopeFilter } from '../../../lib/db/table-scope.js';
import type { TableScope } from '../../../lib/plan/types.js';

// pg_dump's selection rules over a scope resolved the way the server resolves
// it (tests/integration/db/resolve-scope.test.ts checks that against pg_dump
// itself): here JavaScript's RegExp stands in for the server's, and an
// unqualified pattern sees "$user" and public, the default search_path.

const scope = (partial: Partial<TableScope>): TableScope => ({
  schemas: [],
  excludeSchemas: [],
  tables: [],
  excludeTables: [],
  excludeTableData: [],
  ...partial,
});

function resolveHere(s: TableScope, tables: Array<[string, string]>, user: string): ResolvedScope {
  const schemaNames = [...new Set(tables.map(([schema]) => schema))];
  const schemas = (patterns: readonly string[]) =>
    new Set(patterns.flatMap((p) => schemaNames.filter((name) => new RegExp(patternToRegex(p, 1).name, 's').test(name))));
  const relations = (patterns: readonly string[]) =>
    new Set(
      patterns.flatMap((p) => {
        const re = patternToRegex(p, 3);
        const name = new RegExp(re.name, 's');
        const schema = re.schema === null ? null : new RegExp(re.schema, 's');
        return tables
          .filter(([sch, t]) => name.test(t) && (schema ? schema.test(sch) : sch === user || sch === 'public'))
          .map(([sch, t]) => relationKey(sch, t));
      }),
    );
  return {
    schemas: s.schemas.length ? schemas(s.schemas) : null,
    excludedSchemas: schemas(s.excludeSchemas),
    tables: s.tables.length ? relations(s.tables) : null,
    excludedTables: relations(s.excludeTables),
    excludedTableData: relations(s.excludeTableData),
  };
}

const filterOf = (partial: Partial<TableScope>, tables: Array<[string, string]> = catalog, user = 'backup') =>
  createScopeFilter(resolveHere(scope(partial), tables, user));

/** Which of the given schema.table pairs have their rows in the dump. */
function dumped(partial: Partial<TableScope>, tables: Array<[string, string]>, user = 'backup'): string[] {
  const filter = filterOf(partial, tables, user);
  return tables.filter(([s, t]) => filter.includesData(s, t)).map(([s, t]) => `${s}.${t}`);
}

const catalog: Array<[string, string]> = [
  ['public', 'orders'],
  ['public', 'orders2'],
  ['public', 'Orders'],
  ['public', 'tmp_a'],
  ['public', 't1'],
  ['public', 't10'],
  ['sales', 'orders'],
  ['Sales', 'Orders'],
  ['backup', 'orders'],
  ['audit', 'log'],
  ['a.b', 'c'],
];

describe('createScopeFilter', () => {
  it('includes every table when nothing narrows the step', () => {
    expect(dumped({}, catalog)).toEqual(catalog.map(([s, t]) => `${s}.${t}`));
    expect(createScopeFilter(null).includesSchema('anything')).toBe(true);
  });

  describe('table patterns', () => {
    it('matches schema.table exactly, without prefixes or suffixes', () => {
      expect(dumped({ tables: ['public.orders'] }, catalog)).toEqual(['public.orders']);
    });

    it('matches any run of characters with * and one character with ?', () => {
      expect(dumped({ tables: ['public.orders*'] }, catalog)).toEqual(['public.orders', 'public.orders2']);
      expect(dumped({ tables: ['public.t?'] }, catalog)).toEqual(['public.t1']);
      expect(dumped({ tables: ['*.orders'] }, catalog)).toEqual(['public.orders', 'sales.orders', 'backup.orders']);
      expect(dumped({ tables: ['*.*'] }, catalog)).toHaveLength(catalog.length);
    });

    it('folds unquoted letters to lower case', () => {
      expect(dumped({ tables: ['PUBLIC.Orders'] }, catalog)).toEqual(['public.orders']);
      expect(dumped({ tables: ['Sales.ORDERS'] }, catalog)).toEqual(['sales.orders']);
    });

    it('keeps the case of quoted names', () => {
      expect(dumped({ tables: ['"Sales"."Orders"'] }, catalog)).toEqual(['Sales.Orders']);
      expect(dumped({ tables: ['public."Orders"'] }, catalog)).toEqual(['public.Orders']);
    });

    it('mixes quoted and unquoted parts of one name', () => {
      expect(dumped({ tables: ['public."Ord"ers'] }, catalog)).toEqual(['public.Orders']);
      expect(dumped({ tables: ['"S"ales.*'] }, catalog)).toEqual(['Sales.Orders']);
    });

    it('takes * ? and . literally inside quotes', () => {
      const tables: Array<[string, string]> = [
        ['public', 't*'],
        ['public', 'tx'],
        ['public', 't?'],
        ['a.b', 'c'],
        ['a', 'b'],
      ];
      expect(dumped({ tables: ['public."t*"'] }, tables)).toEqual(['public.t*']);
      expect(dumped({ tables: ['public."t?"'] }, tables)).toEqual(['public.t?']);
      expect(dumped({ tables: ['"a.b".c'] }, tables)).toEqual(['a.b.c']);
    });

    it('reads a doubled quote inside quotes as one quote', () => {
      expect(dumped({ tables: ['public."say ""hi"""'] }, [['public', 'say "hi"'], ['public', 'say hi']])).toEqual(['public.say "hi"']);
    });

    it('reads ( ) [ ] | + outside quotes as regular-expression syntax, as pg_dump does', () => {
      const tables: Array<[string, string]> = [
        ['public', 'plain'],
        ['public', 'plai[n]'],
        ['public', 'a|b'],
        ['public', 'a'],
        ['public', 'b'],
        ['public', 'aaa'],
      ];
      expect(dumped({ tables: ['plai[n]'] }, tables)).toEqual(['public.plain']);
      expect(dumped({ tables: ['a|b'] }, tables)).toEqual(['public.a', 'public.b']);
      expect(dumped({ tables: ['(a)+'] }, tables)).toEqual(['public.a', 'public.aaa']);
      expect(dumped({ excludeTables: ['plai[n]'] }, tables)).not.toContain('public.plain');
    });

    it('takes regular-expression characters literally inside quotes, and $ everywhere', () => {
      const tables: Array<[string, string]> = [
        ['public', 'price$usd'],
        ['public', 'priceusd'],
        ['public', 'a|b'],
        ['public', 'a'],
        ['public', 'plai[n]'],
        ['public', 'plain'],
      ];
      expect(dumped({ tables: ['public.price$usd'] }, tables)).toEqual(['public.price$usd']);
      expect(dumped({ tables: ['"public"."a|b"'] }, tables)).toEqual(['public.a|b']);
      expect(dumped({ tables: ['"plai[n]"'] }, tables)).toEqual(['public.plai[n]']);
    });

    it('matches an unqualified pattern in public and in the schema named after the user only', () => {
      expect(dumped({ tables: ['orders'] }, catalog)).toEqual(['public.orders', 'backup.orders']);
      expect(dumped({ tables: ['orders'] }, catalog, 'someone')).toEqual(['public.orders']);
      expect(dumped({ tables: ['log'] }, catalog, 'audit')).toEqual(['audit.log']);
    });

    it('matches the schema and name parts of a database.schema.table pattern', () => {
      expect(dumped({ tables: ['app.sales.orders'] }, catalog)).toEqual(['sales.orders']);
    });
  });

  describe('schema patterns', () => {
    it('keeps only tables in the listed schemas', () => {
      expect(dumped({ schemas: ['sales'] }, catalog)).toEqual(['sales.orders']);
      expect(dumped({ schemas: ['"Sales"', 'audit'] }, catalog)).toEqual(['Sales.Orders', 'audit.log']);
      expect(dumped({ schemas: ['s*'] }, catalog)).toEqual(['sales.orders']);
    });

    it('says which schemas may hold dumped objects', () => {
      const filter = filterOf({ schemas: ['sales', 'a*'], excludeSchemas: ['audit'] }, [...catalog, ['archive', 'x']]);
      expect(filter.includesSchema('sales')).toBe(true);
      expect(filter.includesSchema('archive')).toBe(true);
      expect(filter.includesSchema('audit')).toBe(false);
      expect(filter.includesSchema('public')).toBe(false);
    });

    it('leaves out tables of excluded schemas', () => {
      expect(dumped({ excludeSchemas: ['public', 'backup'] }, catalog)).toEqual(['sales.orders', 'Sales.Orders', 'audit.log', 'a.b.c']);
    });

    it('ignores the schema list when tables are listed, as pg_dump does', () => {
      expect(dumped({ schemas: ['sales'], tables: ['audit.log'] }, catalog)).toEqual(['audit.log']);
    });

    it('dumps a table listed with --table even in an excluded schema, as pg_dump does', () => {
      // pg_dump: "The -n and -N switches have no effect when -t is used".
      expect(dumped({ excludeSchemas: ['audit'], tables: ['audit.log', 'public.orders'] }, catalog)).toEqual(['public.orders', 'audit.log']);
    });
  });

  describe('exclusions', () => {
    it('lets an excluded table win over an included one', () => {
      expect(dumped({ tables: ['public.*'], excludeTables: ['public.tmp_*', 'public.t1*'] }, catalog)).toEqual([
        'public.orders',
        'public.orders2',
        'public.Orders',
      ]);
    });

    it('excludes tables from a whole-database dump', () => {
      expect(dumped({ excludeTables: ['*.orders*'] }, catalog)).not.toContain('sales.orders');
      expect(dumped({ excludeTables: ['*.orders*'] }, catalog)).toContain('Sales.Orders');
    });

    it('applies an unqualified exclusion in public and the user schema only', () => {
      expect(dumped({ excludeTables: ['orders'] }, catalog)).toEqual(catalog.map(([s, t]) => `${s}.${t}`).filter((n) => n !== 'public.orders' && n !== 'backup.orders'));
    });

    it('leaves out the rows of tables listed in excludeTableData', () => {
      expect(dumped({ tables: ['public.orders*'], excludeTableData: ['public.orders2'] }, catalog)).toEqual(['public.orders']);
      expect(dumped({ excludeTableData: ['audit.*'] }, catalog)).not.toContain('audit.log');
    });
  });
});

describe('includesDatabaseObjects', () => {
  const whole = (partial: Partial<TableScope>) => filterOf(partial).includesDatabaseObjects();

  it('holds casts, languages and event triggers only when no schema or table pattern narrows the dump', () => {
    expect(whole({})).toBe(true);
    expect(whole({ excludeSchemas: ['audit'], excludeTables: ['public.tmp_*'], excludeTableData: ['x'] })).toBe(true);
    expect(whole({ schemas: ['public'] })).toBe(false);
    expect(whole({ tables: ['public.orders'] })).toBe(false);
  });
});
