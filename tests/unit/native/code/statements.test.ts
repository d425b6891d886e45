// The pure statement builders of the function/trigger/rule/policy/comment/owner readers.
import { aggregateSql, type AggregateRow } from '../../../../lib/engines/native/catalog/aggregates.js';
import type { DecoratedObject } from '../../../../lib/engines/native/catalog/acl-objects.js';
import { commentSql, type CommentRow } from '../../../../lib/engines/native/catalog/comments.js';
import { functionSql } from '../../../../lib/engines/native/catalog/functions.js';
import { ownerSql } from '../../../../lib/engines/native/catalog/owners.js';
import { policySql } from '../../../../lib/engines/native/catalog/policies.js';
import { ruleSql } from '../../../../lib/engines/native/catalog/rules.js';
import { triggerSql } from '../../../../lib/engines/native/catalog/triggers.js';

const aggregate = (fields: Partial<AggregateRow>): AggregateRow => ({
  classid: 1255,
  oid: 1,
  namespace_classid: 2615,
  namespace: 2200,
  schema: 'public',
  name: 'agg',
  arguments: 'integer',
  args: 'integer',
  nargs: 1,
  aggkind: 'n',
  transfn: 'int4pl',
  transtype: 'integer',
  transspace: 0,
  initval: null,
  finalfn: '-',
  finalextra: false,
  finalmodify: 'r',
  combinefn: '-',
  serialfn: '-',
  deserialfn: '-',
  mtransfn: '-',
  minvtransfn: '-',
  mtranstype: null,
  mtransspace: 0,
  minitval: null,
  mfinalfn: '-',
  mfinalextra: false,
  mfinalmodify: 'r',
  sortop_schema: null,
  sortop_name: null,
  parallel: 'u',
  ...fields,
});

describe('aggregateSql', () => {
  it('writes the minimal aggregate as pg_dump does', () => {
    expect(aggregateSql(aggregate({}))).toBe('CREATE AGGREGATE "public"."agg"(integer) (\n    SFUNC = int4pl,\n    STYPE = integer\n);\n');
  });

  it('writes every option pg_dump knows, in its order, quoting the initial conditions', () => {
    const sql = aggregateSql(
      aggregate({
        name: 'A "x"',
        transspace: 16,
        initval: "it's",
        finalfn: 'public.fin',
        finalextra: true,
        finalmodify: 'w',
        combinefn: 'public.comb',
        serialfn: 'public.ser',
        deserialfn: 'public.deser',
        mtransfn: 'public.mt',
        minvtransfn: 'public.minv',
        mtranstype: 'bigint',
        mtransspace: 8,
        minitval: '0',
        mfinalfn: 'public.mfin',
        mfinalextra: true,
        mfinalmodify: 's',
        sortop_schema: 'pg_catalog',
        sortop_name: '<',
        parallel: 'r',
      }),
    );
    expect(sql).toBe(
      'CREATE AGGREGATE "public"."A ""x"""(integer) (\n' +
        '    SFUNC = int4pl,\n    STYPE = integer,\n    SSPACE = 16,\n    INITCOND = \'it\'\'s\',\n' +
        '    FINALFUNC = public.fin,\n    FINALFUNC_EXTRA,\n    FINALFUNC_MODIFY = READ_WRITE,\n' +
        '    COMBINEFUNC = public.comb,\n    SERIALFUNC = public.ser,\n    DESERIALFUNC = public.deser,\n' +
        '    MSFUNC = public.mt,\n    MINVFUNC = public.minv,\n    MSTYPE = bigint,\n    MSSPACE = 8,\n    MINITCOND = \'0\',\n' +
        '    MFINALFUNC = public.mfin,\n    MFINALFUNC_EXTRA,\n    MFINALFUNC_MODIFY = SHAREABLE,\n' +
        '    SORTOP = OPERATOR("pg_catalog".<),\n    PARALLEL = restricted\n);\n',
    );
  });

  it('writes agg(*) for an aggregate without arguments', () => {
    expect(aggregateSql(aggregate({ arguments: '', args: '', nargs: 0 }))).toMatch(/^CREATE AGGREGATE "public"."agg"\(\*\) \(/);
  });

  it('leaves out READ_WRITE for ordered-set aggregates, where it is the default, and marks hypothetical ones', () => {
    const sql = aggregateSql(aggregate({ aggkind: 'h', arguments: 'VARIADIC "any" ORDER BY VARIADIC "any"', finalfn: 'f', finalmodify: 'w' }));
    expect(sql).not.toContain('FINALFUNC_MODIFY');
    expect(sql).toContain('    HYPOTHETICAL\n');
    expect(sql).toContain('(VARIADIC "any" ORDER BY VARIADIC "any")');
  });
});

describe('functionSql', () => {
  it('ends pg_get_functiondef output with a semicolon', () => {
    expect(functionSql('CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\nAS $function$select 1$function$\n')).toBe(
      'CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\nAS $function$select 1$function$;\n',
    );
  });

  it('ends a BEGIN ATOMIC body after its END', () => {
    expect(functionSql('CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\nEND\n')).toMatch(/\nEND;\n$/);
  });
});

describe('triggerSql', () => {
  const row = { schema: 'S "q', table: 'T;1', name: 'tr "1"', definition: 'CREATE TRIGGER "tr ""1""" AFTER INSERT ON "S ""q"."T;1" FOR EACH ROW EXECUTE FUNCTION public.f()' };

  it('writes an enabled trigger as its definition alone', () => {
    expect(triggerSql({ ...row, enabled: 'O' })).toBe(`${row.definition};\n`);
  });

  it.each([
    ['D', 'DISABLE TRIGGER'],
    ['A', 'ENABLE ALWAYS TRIGGER'],
    ['R', 'ENABLE REPLICA TRIGGER'],
  ] as const)('restores state %s with ALTER TABLE … %s', (enabled, clause) => {
    expect(triggerSql({ ...row, enabled })).toBe(`${row.definition};\nALTER TABLE "S ""q"."T;1" ${clause} "tr ""1""";\n`);
  });
});

describe('ruleSql', () => {
  it('keeps the semicolon pg_get_ruledef writes and adds the disabled state', () => {
    const definition = 'CREATE RULE "r" AS\n    ON DELETE TO public.t DO INSTEAD NOTHING;';
    expect(ruleSql({ schema: 'public', table: 't', name: 'r', enabled: 'O', definition })).toBe(`${definition}\n`);
    expect(ruleSql({ schema: 'public', table: 't', name: 'r', enabled: 'D', definition })).toBe(`${definition}\nALTER TABLE "public"."t" DISABLE RULE "r";\n`);
  });
});

describe('policySql', () => {
  const base = { schema: 'public', table: 't', name: 'p "1"', command: '*' as const, permissive: true, roles: [''], qual: null, with_check: null };

  it('leaves out FOR and TO for a policy on all commands for PUBLIC', () => {
    expect(policySql({ ...base, qual: 'true' })).toBe('CREATE POLICY "p ""1""" ON "public"."t" USING (true);\n');
  });

  it('writes restrictive policies with command, quoted roles and both expressions', () => {
    expect(policySql({ ...base, permissive: false, command: 'w', roles: ['r "x"', 'b'], qual: '(v > 0)', with_check: '(v < 9)' })).toBe(
      'CREATE POLICY "p ""1""" ON "public"."t" AS RESTRICTIVE FOR UPDATE TO "r ""x""", "b" USING ((v > 0)) WITH CHECK ((v < 9));\n',
    );
  });

  it('keeps PUBLIC when it is listed beside other roles', () => {
    expect(policySql({ ...base, command: 'a', roles: ['a', ''], with_check: 'true' })).toBe('CREATE POLICY "p ""1""" ON "public"."t" FOR INSERT TO "a", PUBLIC WITH CHECK (true);\n');
  });
});

const object = (fields: Partial<DecoratedObject>): DecoratedObject => ({
  kind: 'TABLE',
  classid: 1259,
  objid: 1,
  schema: 'public',
  name: 't',
  args: null,
  parent: null,
  parent_classid: null,
  parent_objid: null,
  constraint_objid: null,
  owner: 'own',
  acl: null,
  base: null,
  identity_sequence: false,
  grant_args: null,
  parent_schema: null,
  ...fields,
});

describe('commentSql', () => {
  const comment = (fields: Partial<CommentRow>): string | null => commentSql({ ...object({}), objsubid: 0, column: null, description: "it's", ...fields });

  it.each([
    [{ kind: 'TABLE' }, `COMMENT ON TABLE "public"."t" IS 'it''s';\n`],
    [{ kind: 'SCHEMA', schema: null, name: 'S "q' }, `COMMENT ON SCHEMA "S ""q" IS 'it''s';\n`],
    [{ kind: 'EXTENSION', name: 'pg_trgm' }, `COMMENT ON EXTENSION "pg_trgm" IS 'it''s';\n`],
    [{ kind: 'FUNCTION', args: 'a integer, b text' }, `COMMENT ON FUNCTION "public"."t"(a integer, b text) IS 'it''s';\n`],
    [{ kind: 'AGGREGATE', args: '' }, `COMMENT ON AGGREGATE "public"."t"(*) IS 'it''s';\n`],
    [{ kind: 'CONSTRAINT', name: 'c', parent: 'tab' }, `COMMENT ON CONSTRAINT "c" ON "public"."tab" IS 'it''s';\n`],
    [{ kind: 'DOMAIN CONSTRAINT', name: 'c', parent: 'd' }, `COMMENT ON CONSTRAINT "c" ON DOMAIN "public"."d" IS 'it''s';\n`],
    [{ kind: 'TRIGGER', name: 'tr', parent: 'tab' }, `COMMENT ON TRIGGER "tr" ON "public"."tab" IS 'it''s';\n`],
    [{ kind: 'POLICY', name: 'p', parent: 'tab' }, `COMMENT ON POLICY "p" ON "public"."tab" IS 'it''s';\n`],
    [{ kind: 'RULE', name: 'r', parent: 'tab' }, `COMMENT ON RULE "r" ON "public"."tab" IS 'it''s';\n`],
    [{ kind: 'LARGE OBJECT', schema: null, name: '4242' }, `COMMENT ON LARGE OBJECT 4242 IS 'it''s';\n`],
    [{ kind: 'MATERIALIZED VIEW' }, `COMMENT ON MATERIALIZED VIEW "public"."t" IS 'it''s';\n`],
    [{ kind: 'COMPOSITE', objsubid: 1, column: 'a "b"' }, `COMMENT ON COLUMN "public"."t"."a ""b""" IS 'it''s';\n`],
    [{ kind: 'VIEW', objsubid: 2, column: 'c' }, `COMMENT ON COLUMN "public"."t"."c" IS 'it''s';\n`],
  ] as Array<[Partial<CommentRow>, string]>)('writes %j as pg_dump does', (fields, sql) => {
    expect(comment(fields)).toBe(sql);
  });

  it("leaves the public schema's stock comment alone and writes IS '' for a removed one", () => {
    expect(comment({ kind: 'SCHEMA', schema: null, name: 'public', description: 'standard public schema' })).toBeNull();
    expect(comment({ kind: 'SCHEMA', schema: null, name: 'public', description: null })).toBe(`COMMENT ON SCHEMA "public" IS '';\n`);
  });
});

describe('ownerSql', () => {
  it.each([
    [{ kind: 'TABLE' }, 'ALTER TABLE "public"."t" OWNER TO "own";\n'],
    [{ kind: 'VIEW' }, 'ALTER TABLE "public"."t" OWNER TO "own";\n'],
    [{ kind: 'SEQUENCE' }, 'ALTER TABLE "public"."t" OWNER TO "own";\n'],
    [{ kind: 'FOREIGN TABLE' }, 'ALTER FOREIGN TABLE "public"."t" OWNER TO "own";\n'],
    [{ kind: 'PROCEDURE', args: 'INOUT x integer' }, 'ALTER PROCEDURE "public"."t"(INOUT x integer) OWNER TO "own";\n'],
    [{ kind: 'LARGE OBJECT', schema: null, name: '7' }, 'ALTER LARGE OBJECT 7 OWNER TO "own";\n'],
    [{ kind: 'SCHEMA', schema: null, name: 'public', owner: 'r "x"' }, 'ALTER SCHEMA "public" OWNER TO "r ""x""";\n'],
  ] as Array<[Partial<DecoratedObject>, string]>)('writes %j', (fields, sql) => {
    expect(ownerSql(object(fields))).toBe(sql);
  });

  it('writes nothing for objects owned through another (indexes, identity sequences) or the stock public owner', () => {
    expect(ownerSql(object({ kind: 'INDEX', owner: null }))).toBeNull();
    expect(ownerSql(object({ kind: 'SEQUENCE', identity_sequence: true }))).toBeNull();
    expect(ownerSql(object({ kind: 'TRIGGER' }))).toBeNull();
    expect(ownerSql(object({ kind: 'SCHEMA', schema: null, name: 'public', owner: 'pg_database_owner' }))).toBeNull();
  });
});
