// The pure SQL builders of the statistics, event trigger, cast, language, text
// search, operator, operator class and family readers, with hostile names.
import { castSql } from '../../../../lib/engines/native/catalog/casts.js';
import { eventTriggerSql } from '../../../../lib/engines/native/catalog/event-triggers.js';
import { languageSql } from '../../../../lib/engines/native/catalog/languages.js';
import { operatorClassSql, operatorFamilySql } from '../../../../lib/engines/native/catalog/operator-classes.js';
import { operatorName, operatorSql } from '../../../../lib/engines/native/catalog/operators.js';
import { statisticsSql } from '../../../../lib/engines/native/catalog/statistics.js';
import { parserSql } from '../../../../lib/engines/native/catalog/text-search-parsers.js';
import { configurationSql, dictionarySql } from '../../../../lib/engines/native/catalog/text-search.js';
import { orderEntries } from '../../../../lib/engines/native/order.js';
import { entry } from '../core/support.js';

describe('statisticsSql', () => {
  it('ends the definition and adds a set target only', () => {
    const row = { schema: 'S "1"', name: 'st', definition: 'CREATE STATISTICS "S ""1""".st ON a, b FROM t', target: -1 };
    expect(statisticsSql(row)).toBe('CREATE STATISTICS "S ""1""".st ON a, b FROM t;\n');
    expect(statisticsSql({ ...row, target: 0 })).toContain('ALTER STATISTICS "S ""1"""."st" SET STATISTICS 0;\n');
  });
});

describe('eventTriggerSql', () => {
  const row = { name: 'E "x"', event: 'ddl_command_start', enabled: 'O' as const, tags: null, function_schema: 's', function_name: 'f', owner: 'o "w"', description: null };

  it('writes tags, a non-default state, the owner and the comment', () => {
    expect(eventTriggerSql({ ...row, tags: ["CREATE TABLE", "it's"], enabled: 'D', description: "c'" }, { noOwner: false })).toBe(
      `CREATE EVENT TRIGGER "E ""x""" ON "ddl_command_start"\n         WHEN TAG IN ('CREATE TABLE', 'it''s')\n   EXECUTE FUNCTION "s"."f"();\n` +
        `ALTER EVENT TRIGGER "E ""x""" DISABLE;\nALTER EVENT TRIGGER "E ""x""" OWNER TO "o ""w""";\nCOMMENT ON EVENT TRIGGER "E ""x""" IS 'c''';\n`,
    );
  });

  it('writes its security labels after the comment, in the order read', () => {
    const labels = [{ provider: 'z', label: "it's" }, { provider: 'a "p"', label: 'b' }];
    expect(eventTriggerSql({ ...row, description: 'c', labels }, { noOwner: true })).toBe(
      `CREATE EVENT TRIGGER "E ""x""" ON "ddl_command_start"\n   EXECUTE FUNCTION "s"."f"();\nCOMMENT ON EVENT TRIGGER "E ""x""" IS 'c';\n` +
        `SECURITY LABEL FOR "z" ON EVENT TRIGGER "E ""x""" IS 'it''s';\nSECURITY LABEL FOR "a ""p""" ON EVENT TRIGGER "E ""x""" IS 'b';\n`,
    );
  });

  it('leaves the owner out with noOwner and a plain enabled trigger unaltered', () => {
    expect(eventTriggerSql(row, { noOwner: true })).toBe(`CREATE EVENT TRIGGER "E ""x""" ON "ddl_command_start"\n   EXECUTE FUNCTION "s"."f"();\n`);
  });
});

describe('castSql', () => {
  const row = { source: 'bigint', target: '"s".t', method: 'f' as const, context: 'e' as const, function: '"s".f(bigint)' };
  it.each([
    [row, 'CREATE CAST (bigint AS "s".t) WITH FUNCTION "s".f(bigint);\n'],
    [{ ...row, method: 'i' as const, context: 'i' as const, function: null }, 'CREATE CAST (bigint AS "s".t) WITH INOUT AS IMPLICIT;\n'],
    [{ ...row, method: 'b' as const, context: 'a' as const, function: null }, 'CREATE CAST (bigint AS "s".t) WITHOUT FUNCTION AS ASSIGNMENT;\n'],
  ])('writes %j', (input, sql) => expect(castSql(input)).toBe(sql));
});

describe('languageSql', () => {
  it('writes TRUSTED and every support function it has', () => {
    expect(languageSql({ name: 'p "l"', trusted: true, handler: ['s', 'h', 1], inline: null, validator: ['s', 'v', 2] })).toBe(
      'CREATE TRUSTED PROCEDURAL LANGUAGE "p ""l""" HANDLER "s"."h" VALIDATOR "s"."v";\n',
    );
  });
});

describe('text search builders', () => {
  it('writes a dictionary with and without options', () => {
    const row = { schema: 'S', name: 'd "1"', template_schema: 'pg_catalog', template: 'simple', options: null };
    expect(dictionarySql(row)).toBe('CREATE TEXT SEARCH DICTIONARY "S"."d ""1""" (\n    TEMPLATE = "pg_catalog"."simple" );\n');
    expect(dictionarySql({ ...row, options: "stopwords = 'english'" })).toContain(`"simple",\n    stopwords = 'english' );`);
  });

  it('writes a configuration with one ADD MAPPING per token, the token quoted', () => {
    const sql = configurationSql({ schema: 'S', name: 'c', parser_schema: 'pg_catalog', parser: 'default', mappings: [['int', 'simple, "S".d']] });
    expect(sql).toBe('CREATE TEXT SEARCH CONFIGURATION "S"."c" (\n    PARSER = "pg_catalog"."default" );\nALTER TEXT SEARCH CONFIGURATION "S"."c"\n    ADD MAPPING FOR "int" WITH simple, "S".d;\n');
  });

  it('leaves out a template without an init function', () => {
    expect(parserSql({ kind: 'TEXT SEARCH TEMPLATE', schema: 'S', name: 't', functions: [['INIT', null], ['LEXIZE', 'dsimple_lexize']] })).toBe(
      'CREATE TEXT SEARCH TEMPLATE "S"."t" (\n    LEXIZE = dsimple_lexize );\n',
    );
  });
});

describe('operators', () => {
  it('writes a prefix operator and its references', () => {
    const row = { schema: 'S "o"', name: '~~', function: 'f', left: null, right: 'integer', commutator: null, negator: ['x', '!~'] as [string, string], merges: false, hashes: true, restrict: null, join: null };
    expect(operatorSql(row)).toBe('CREATE OPERATOR "S ""o""".~~ (\n    FUNCTION = f,\n    RIGHTARG = integer,\n    NEGATOR = OPERATOR("x".!~),\n    HASHES\n);\n');
  });

  it('refuses a name that is no operator rather than write it unquoted', () => {
    expect(() => operatorName('s', 'x; DROP TABLE t')).toThrow('not an operator name');
  });
});

describe('event trigger ordering', () => {
  it('writes an event trigger after the grants and before materialized view refreshes', () => {
    const kinds = ['MATERIALIZED VIEW DATA', 'EVENT TRIGGER', 'ACL', 'FUNCTION', 'INDEX'] as const;
    const entries = kinds.map((kind) => entry(kind, kind.toLowerCase(), kind === 'EVENT TRIGGER' || kind === 'ACL' ? { section: 'post-data' } : {}));
    expect(orderEntries(entries).entries.map((e) => e.kind)).toEqual(['FUNCTION', 'INDEX', 'ACL', 'EVENT TRIGGER', 'MATERIALIZED VIEW DATA']);
  });
});

describe('operatorClassSql', () => {
  const row = {
    schema: 'S "1"', name: 'c', method: 'gist', is_default: false, type: 'integer', storage: null, family_schema: 'S "1"', family: 'c',
    operators: [{ strategy: 15, operator: '"S ""1""".<->(integer,integer)', sort_schema: 'pg_catalog', sort_family: 'integer_ops' }],
    functions: [{ number: 1, left: 'integer', right: 'integer', function: '"S ""1""".f(internal,integer,smallint,oid,internal)' }],
  };

  it('lists operators (with FOR ORDER BY), functions and STORAGE, and joins the family of its own name without FAMILY', () => {
    expect(operatorClassSql({ ...row, is_default: true, storage: 'bigint' })).toBe(
      'CREATE OPERATOR CLASS "S ""1"""."c" DEFAULT FOR TYPE integer USING "gist" AS\n' +
        '    OPERATOR 15 "S ""1""".<->(integer,integer) FOR ORDER BY "pg_catalog"."integer_ops",\n' +
        '    FUNCTION 1 (integer, integer) "S ""1""".f(internal,integer,smallint,oid,internal),\n' +
        '    STORAGE bigint;\n',
    );
  });

  it('names a family of another name or schema, and keeps a class without members valid', () => {
    expect(operatorClassSql({ ...row, family_schema: 'o', family: 'c', operators: [], functions: [] })).toBe(
      'CREATE OPERATOR CLASS "S ""1"""."c" FOR TYPE integer USING "gist" FAMILY "o"."c" AS\n    STORAGE integer;\n',
    );
  });
});

describe('operatorFamilySql', () => {
  const row = { schema: 's', name: 'F é', method: 'hash', operators: [], functions: [] };

  it('creates a family and adds its loose members', () => {
    expect(operatorFamilySql(row)).toBe('CREATE OPERATOR FAMILY "s"."F é" USING "hash";\n');
    expect(
      operatorFamilySql({
        ...row,
        operators: [{ strategy: 1, operator: 's.=(integer,bigint)', sort_schema: null, sort_family: null }],
        functions: [{ number: 2, left: 'integer', right: 'integer', function: 's.h(integer,bigint)' }],
      }),
    ).toBe(
      'CREATE OPERATOR FAMILY "s"."F é" USING "hash";\nALTER OPERATOR FAMILY "s"."F é" USING "hash" ADD\n' +
        '    OPERATOR 1 s.=(integer,bigint),\n    FUNCTION 2 (integer, integer) s.h(integer,bigint);\n',
    );
  });
});
