import { buildColumnDefinition, buildCreateTable, buildSetDefault, type ColumnParts, type TableParts } from '../../../../lib/engines/native/catalog/table-build.js';
import { entryId, formatReloptions } from '../../../../lib/engines/native/catalog/table-sql.js';

const column = (overrides: Partial<ColumnParts> = {}): ColumnParts => ({
  name: 'id',
  type: 'integer',
  notNull: false,
  printed: true,
  inheritsNotNull: false,
  generated: null,
  virtual: false,
  inheritsGeneration: false,
  collation: null,
  statistics: -1,
  storage: null,
  compression: '',
  options: null,
  ...overrides,
});

const table = (overrides: Partial<TableParts> = {}): TableParts => ({
  schema: 'public',
  name: 'orders',
  unlogged: false,
  columns: [column()],
  checks: [],
  inherits: [],
  partitionBy: null,
  accessMethod: null,
  reloptions: null,
  toastReloptions: null,
  replicaIdentity: 'd',
  ...overrides,
});

describe('buildColumnDefinition', () => {
  it('writes generated expression, NOT NULL and collation in pg_dump order', () => {
    expect(buildColumnDefinition(column({ name: 'Total "€"', generated: '(a * 2)', notNull: true, collation: '"pg_catalog"."C"' }))).toBe(
      '"Total ""€""" integer GENERATED ALWAYS AS ((a * 2)) STORED NOT NULL COLLATE "pg_catalog"."C"',
    );
  });
});

describe('buildCreateTable', () => {
  it('quotes hostile schema, table and column names', () => {
    const sql = buildCreateTable(table({ schema: 'my "schema"', name: 'select', columns: [column({ name: 'from' })] }));
    expect(sql).toBe('CREATE TABLE "my ""schema"""."select" (\n    "from" integer\n);\n');
  });

  it('writes an empty column list for a table without columns', () => {
    expect(buildCreateTable(table({ columns: [] }))).toBe('CREATE TABLE "public"."orders" (\n);\n');
  });

  it('adds checks, INHERITS, PARTITION BY, access method and reloptions with toast ones', () => {
    const sql = buildCreateTable(
      table({
        unlogged: true,
        checks: [{ name: 'positive id', definition: 'CHECK ((id > 0))' }],
        inherits: ['"public"."base"'],
        partitionBy: 'RANGE (id)',
        accessMethod: 'my am',
        reloptions: ['fillfactor=70'],
        toastReloptions: ['autovacuum_enabled=false'],
      }),
    );
    expect(sql).toBe(
      'CREATE UNLOGGED TABLE "public"."orders" (\n    "id" integer,\n    CONSTRAINT "positive id" CHECK ((id > 0))\n)\n' +
        'INHERITS ("public"."base")\nPARTITION BY RANGE (id)\nUSING "my am"\n' +
        'WITH ("fillfactor"=\'70\', toast."autovacuum_enabled"=\'false\');\n',
    );
  });

  it('sets NOT NULL only on inherited columns whose parents do not have it', () => {
    const cols = [
      column({ name: 'a', printed: false, notNull: true, inheritsNotNull: false }),
      column({ name: 'b', printed: false, notNull: true, inheritsNotNull: true }),
    ];
    const sql = buildCreateTable(table({ columns: cols, inherits: ['"public"."p"'] }));
    expect(sql).toContain('ALTER TABLE ONLY "public"."orders" ALTER COLUMN "a" SET NOT NULL;\n');
    expect(sql).not.toContain('"b" SET NOT NULL');
    expect(sql).not.toContain('"b" integer');
  });

  it('writes statistics, storage, compression, column options and replica identity after the table', () => {
    const sql = buildCreateTable(
      table({ columns: [column({ statistics: 500, storage: 'e', compression: 'l', options: ['n_distinct=100'] })], replicaIdentity: 'f' }),
    );
    expect(sql.split('\n').slice(3)).toEqual([
      'ALTER TABLE ONLY "public"."orders" ALTER COLUMN "id" SET STATISTICS 500;',
      'ALTER TABLE ONLY "public"."orders" ALTER COLUMN "id" SET STORAGE EXTERNAL;',
      'ALTER TABLE ONLY "public"."orders" ALTER COLUMN "id" SET COMPRESSION lz4;',
      'ALTER TABLE ONLY "public"."orders" ALTER COLUMN "id" SET ("n_distinct"=\'100\');',
      'ALTER TABLE ONLY "public"."orders" REPLICA IDENTITY FULL;',
      '',
    ]);
  });
});

describe('buildSetDefault', () => {
  it('sets a default with ALTER TABLE ONLY', () => {
    expect(buildSetDefault('s', 'T', 'c"1', "'x'::text")).toBe('ALTER TABLE ONLY "s"."T" ALTER COLUMN "c""1" SET DEFAULT \'x\'::text;\n');
  });
});

describe('formatReloptions', () => {
  it('quotes names and values, keeps everything after the first = as the value', () => {
    expect(formatReloptions(['a=b=c', "it's=o'k"], 'toast.')).toEqual(['toast."a"=\'b=c\'', 'toast."it\'s"=\'o\'\'k\'']);
  });
  it('accepts no options', () => {
    expect(formatReloptions(null)).toEqual([]);
  });
});

describe('entryId', () => {
  it('is unambiguous for hostile names', () => {
    expect(entryId('TABLE', 'a"b', 'c d')).toBe('TABLE "a""b"."c d"');
    expect(entryId('DEFAULT', 's', 't', 'col')).toBe('DEFAULT "s"."t" "col"');
    expect(entryId('SCHEMA', null, 'x')).toBe('SCHEMA "x"');
  });
});
