// The pure pieces behind the kinds of #12: SQL builders (base types, access
// methods, foreign data, conversions, transforms, publications, subscriptions,
// placeholder views, typed and foreign tables) with hostile names, the shell
// type link in pg_depend, and the orderer splitting a view out of a loop.
import { accessMethodSql } from '../../../../lib/engines/native/catalog/access-methods.js';
import { buildCreateBaseType } from '../../../../lib/engines/native/catalog/base-types.js';
import { conversionSql } from '../../../../lib/engines/native/catalog/conversions.js';
import { serverSql, userMappingSql, wrapperSql } from '../../../../lib/engines/native/catalog/foreign-data.js';
import { publicationSql, publicationTableSql } from '../../../../lib/engines/native/catalog/publications.js';
import { subscriptionSql } from '../../../../lib/engines/native/catalog/subscriptions.js';
import { buildCreateTable, type ColumnParts, type TableParts } from '../../../../lib/engines/native/catalog/table-build.js';
import { transformSql } from '../../../../lib/engines/native/catalog/transforms.js';
import { buildPlaceholderView } from '../../../../lib/engines/native/catalog/views.js';
import { buildDependencyGraph, shellTypeRef } from '../../../../lib/engines/native/dependencies.js';
import { orderEntries } from '../../../../lib/engines/native/order.js';
import { entry, ids, rel } from '../core/support.js';

const column = (overrides: Partial<ColumnParts> = {}): ColumnParts => ({
  name: 'id', type: 'integer', notNull: false, printed: true, inheritsNotNull: false, generated: null, virtual: false,
  inheritsGeneration: false, collation: null, statistics: -1, storage: null, compression: '', options: null, ...overrides,
});
const table = (overrides: Partial<TableParts> = {}): TableParts => ({
  schema: 'S "1"', name: 'T ü', unlogged: false, columns: [column()], checks: [], inherits: [], partitionBy: null,
  accessMethod: null, reloptions: null, toastReloptions: null, replicaIdentity: 'd', ...overrides,
});

describe('buildCreateBaseType', () => {
  it('writes the full definition in pg_dump order, leaving out what is the default', () => {
    const sql = buildCreateBaseType({
      oid: 1, nspoid: 2, nspname: 'B "t"', typname: 'My Int', typlen: 4, typbyval: true, typcategory: 'N', typispreferred: false,
      typdelim: ';', typalign: 'i', typstorage: 'p', typdefault: "4'2", collatable: false, element: null,
      input: '"B ""t"""."in"', output: '"B ""t"""."out"', receive: null, send: null, typmodin: null, typmodout: null, analyze: null, subscript: null,
    });
    expect(sql).toBe(
      'CREATE TYPE "B ""t"""."My Int" (\n    INTERNALLENGTH = 4,\n    INPUT = "B ""t"""."in",\n    OUTPUT = "B ""t"""."out",\n' +
        "    PASSEDBYVALUE,\n    CATEGORY = 'N',\n    DEFAULT = '4''2',\n    DELIMITER = ';',\n    ALIGNMENT = int4,\n    STORAGE = plain\n);\n",
    );
  });
});

describe('the shell type in pg_depend', () => {
  it('reads an I/O function\'s link to its type (refclassid 0 from the query) as a link to the shell', () => {
    const graph = buildDependencyGraph([{ classid: '1255', objid: '20000', refclassid: '0', refobjid: '20001', deptype: 'n', owned_sequence: false }]);
    expect(graph.dependsOn.get('1255:20000')).toEqual([shellTypeRef(20001)]);
  });

  it('orders shell type, I/O function, full type', () => {
    const fn = { classid: 1255, objid: 20000 };
    const type = { classid: 1247, objid: 20001 };
    const entries = [
      entry('TYPE', 't', { ref: type, dependsOn: [fn], after: ['SHELL TYPE s.t'] }),
      entry('FUNCTION', 't_in', { ref: fn, dependsOn: [shellTypeRef(20001)] }),
      entry('SHELL TYPE', 't', { ref: shellTypeRef(20001) }),
    ];
    expect(ids(orderEntries(entries).entries)).toEqual(['SHELL TYPE s.t', 'FUNCTION s.t_in', 'TYPE s.t']);
  });
});

describe('a view in a dependency loop', () => {
  const fn = { classid: 1255, objid: 30000 };
  const rule = { classid: 2618, objid: 30002 };
  const view = (split: boolean) =>
    entry('VIEW', 'v', {
      ref: rel(30001),
      dependsOn: [fn],
      sql: 'CREATE VIEW s.v AS SELECT s.f(v) ...;\n',
      ...(split
        ? { split: { sql: 'CREATE VIEW s.v AS\n SELECT NULL::integer AS "id";\n', dependsOn: [], rest: { id: 'RULE s.v _RETURN', kind: 'RULE' as const, section: 'pre-data' as const, schema: 's', name: 'v _RETURN', ref: rule, sql: 'CREATE OR REPLACE VIEW s.v AS ...;\n' } } }
        : {}),
    });
  const func = entry('FUNCTION', 'f', { ref: fn, dependsOn: [rel(30001)] });

  it('is written as a placeholder, then the function, then CREATE OR REPLACE VIEW, without a warning', () => {
    const { entries, warnings } = orderEntries([view(true), func]);
    expect(ids(entries)).toEqual(['VIEW s.v', 'FUNCTION s.f', 'RULE s.v _RETURN']);
    expect(entries[0]!.sql).toContain('NULL::integer');
    expect(entries[2]!.sql).toContain('CREATE OR REPLACE VIEW');
    expect(warnings).toEqual([]);
  });

  it('stays whole when no loop needs it split', () => {
    const { entries } = orderEntries([view(true), entry('FUNCTION', 'f', { ref: fn })]);
    expect(ids(entries)).toEqual(['FUNCTION s.f', 'VIEW s.v']);
  });

  it('without a way to split, the loop is reported (what broke before)', () => {
    expect(orderEntries([view(false), func]).warnings[0]).toMatch(/^dependency loop/);
  });

  it('placeholder: NULL of each column type and collation', () => {
    expect(buildPlaceholderView('L "v"', 'The View', [['id', 'integer', null, 23], ['Val ü', 'text', '"pg_catalog"."C"', 25]])).toBe(
      'CREATE VIEW "L ""v"""."The View" AS\n SELECT NULL::integer AS "id",\n    NULL::text COLLATE "pg_catalog"."C" AS "Val ü";\n',
    );
  });
});

describe('statements of the database-wide kinds', () => {
  it('access methods, wrappers, servers and user mappings', () => {
    expect(accessMethodSql({ name: 'Heap "2"', type: 't', handler: 'heap_tableam_handler' })).toBe('CREATE ACCESS METHOD "Heap ""2""" TYPE TABLE HANDLER heap_tableam_handler;\n');
    expect(accessMethodSql({ name: 'b', type: 'i', handler: 'bthandler' })).toBe('CREATE ACCESS METHOD "b" TYPE INDEX HANDLER bthandler;\n');
    expect(wrapperSql({ name: 'W "1"', handler: null, validator: 'v', options: ["debug 'true'"] })).toBe('CREATE FOREIGN DATA WRAPPER "W ""1""" VALIDATOR v OPTIONS (\n    debug \'true\'\n);\n');
    expect(serverSql({ name: 's', type: "it's", version: null, wrapper: 'w', options: null })).toBe('CREATE SERVER "s" TYPE \'it\'\'s\' FOREIGN DATA WRAPPER "w";\n');
    expect(userMappingSql({ usename: 'public', server: 's', options: null })).toBe('CREATE USER MAPPING FOR public SERVER "s";\n');
    expect(userMappingSql({ usename: 'Public', server: 's', options: ['"user" \'x\''] })).toBe('CREATE USER MAPPING FOR "Public" SERVER "s" OPTIONS (\n    "user" \'x\'\n);\n');
  });

  it('conversions and transforms', () => {
    expect(conversionSql({ schema: 'c', name: 'a → b', source: 'UTF8', target: 'LATIN1', proc: 'utf8_to_iso8859_1', isdefault: true })).toBe(
      'CREATE DEFAULT CONVERSION "c"."a → b" FOR \'UTF8\' TO \'LATIN1\' FROM utf8_to_iso8859_1;\n',
    );
    expect(transformSql({ name: 'FOR integer LANGUAGE sql', fromsql: 'f(internal)', tosql: null })).toBe('CREATE TRANSFORM FOR integer LANGUAGE sql (FROM SQL WITH FUNCTION f(internal));\n');
  });

  it('publications and their tables', () => {
    expect(publicationSql({ name: 'P "1"', alltables: true, publish: ['insert', 'truncate'], viaroot: true, gencols: 's' })).toBe(
      "CREATE PUBLICATION \"P \"\"1\"\"\" FOR ALL TABLES WITH (publish = 'insert, truncate', publish_via_partition_root = true, publish_generated_columns = stored);\n",
    );
    expect(publicationTableSql({ publication: 'p', schema: 's', table: 'T', columns: ['id', 'A a'], qual: '(id > 1)' })).toBe(
      'ALTER PUBLICATION "p" ADD TABLE ONLY "s"."T" ("id", "A a") WHERE ((id > 1));\n',
    );
  });

  it('subscriptions: never connecting, options per major', () => {
    const base = { name: 'S "1"', conninfo: "host=x password='p'", slot: null, publications: ['p'], synccommit: 'off', binary: false, stream: 'f', twophase: 'd', disableonerr: false, passwordrequired: true, runasowner: false, origin: 'any', failover: false };
    expect(subscriptionSql(base)).toBe('CREATE SUBSCRIPTION "S ""1""" CONNECTION \'host=x password=\'\'p\'\'\' PUBLICATION "p" WITH (connect = false, slot_name = NONE);\n');
    expect(subscriptionSql({ ...base, slot: 's', stream: 'p', twophase: 'p', disableonerr: true, passwordrequired: false, runasowner: true, failover: true, origin: 'none', synccommit: 'local' })).toBe(
      'CREATE SUBSCRIPTION "S ""1""" CONNECTION \'host=x password=\'\'p\'\'\' PUBLICATION "p" WITH (connect = false, slot_name = \'s\', streaming = parallel, two_phase = on, disable_on_error = true, password_required = false, run_as_owner = true, failover = true, origin = none, synchronous_commit = \'local\');\n',
    );
  });
});

describe('buildCreateTable for the new table forms', () => {
  it('a typed table writes only what is its own, WITH OPTIONS', () => {
    expect(buildCreateTable(table({ ofType: '"t"."person"', columns: [column({ notNull: true }), column({ name: 'x' })] }))).toBe(
      'CREATE TABLE "S ""1"""."T ü" OF "t"."person" (\n    "id" WITH OPTIONS NOT NULL\n);\n',
    );
    expect(buildCreateTable(table({ ofType: '"t"."person"' }))).toBe('CREATE TABLE "S ""1"""."T ü" OF "t"."person";\n');
  });

  it('a foreign table names its server, its options and its columns\' options', () => {
    expect(buildCreateTable(table({ foreign: { server: '"srv"', options: ["table_name 'r'"] }, columns: [column({ fdwOptions: ["column_name 'ID'"] })] }))).toBe(
      'CREATE FOREIGN TABLE "S ""1"""."T ü" (\n    "id" integer\n)\nSERVER "srv"\nOPTIONS (\n    table_name \'r\'\n);\n' +
        'ALTER FOREIGN TABLE ONLY "S ""1"""."T ü" ALTER COLUMN "id" OPTIONS (\n    column_name \'ID\'\n);\n',
    );
  });

  it('a child does not repeat a generation expression it inherits (PostgreSQL 14/15 refuse it)', () => {
    expect(buildCreateTable(table({ columns: [column({ generated: '(a * 2)', inheritsGeneration: true })], inherits: ['"s"."p"'] }))).toBe(
      'CREATE TABLE "S ""1"""."T ü" (\n    "id" integer\n)\nINHERITS ("s"."p");\n',
    );
  });

  it('a virtual generated column (18) is not written STORED; a named NOT NULL keeps its name', () => {
    expect(buildCreateTable(table({ columns: [column({ generated: '(a * 2)', virtual: true }), column({ name: 'a', notNull: true, notNullName: 'A "nn"' })] }))).toBe(
      'CREATE TABLE "S ""1"""."T ü" (\n    "id" integer GENERATED ALWAYS AS ((a * 2)),\n    "a" integer CONSTRAINT "A ""nn""" NOT NULL\n);\n',
    );
  });
});
