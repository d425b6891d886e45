// CREATE OPERATOR FAMILY and CREATE OPERATOR CLASS for the user-defined ones
// of the dumped schemas, as pg_dump's dumpOpfamily and dumpOpclass write them.
// A family gets its loose members (ALTER OPERATOR FAMILY … ADD); a class lists
// its own. A class made without FAMILY made a family of its own name: that
// family is dumped first, and CREATE OPERATOR CLASS without FAMILY joins it
// again. The orderer puts both after the operators, functions and types their
// members use, and an index after its classes, through pg_depend.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader } from '../toc.js';
import { makeEntry, toRef, type SchemaObjectRow } from './fn-entry.js';
import { catalogOid, isNotExtensionMember, isUserSchema } from './fn-sql.js';
import { memberColumns, memberItems, type FunctionMember, type OperatorMember } from './operator-members.js';

interface MembersRow extends SchemaObjectRow {
  /** The access method's name (`btree`, `hash`, `gist`…). */
  method: string;
  operators: OperatorMember[];
  functions: FunctionMember[];
}

export interface OperatorClassRow extends MembersRow {
  is_default: boolean;
  type: string;
  /** STORAGE type, when it differs from the indexed type. */
  storage: string | null;
  family_schema: string;
  family: string;
}

/** SQL condition on `pg_opfamily f` joined to `pg_namespace n`: a family the dump creates. */
export const dumpedOperatorFamily = `${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_opfamily', 'f.oid')}`;
/** SQL condition on `pg_opclass c` joined to `pg_namespace n`: a class the dump creates. */
export const dumpedOperatorClass = `${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_opclass', 'c.oid')}`;

const familiesQuery = `SELECT ${catalogOid('pg_opfamily')} AS classid, f.oid, ${catalogOid('pg_namespace')} AS namespace_classid,
  n.oid AS namespace, n.nspname AS schema, f.opfname AS name, am.amname AS method,
  ${memberColumns('pg_opfamily', 'f.oid')}
FROM pg_catalog.pg_opfamily f
JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
WHERE ${dumpedOperatorFamily}
ORDER BY n.nspname, f.opfname, am.amname`;

const classesQuery = `SELECT ${catalogOid('pg_opclass')} AS classid, c.oid, ${catalogOid('pg_namespace')} AS namespace_classid,
  n.oid AS namespace, n.nspname AS schema, c.opcname AS name, am.amname AS method, c.opcdefault AS is_default,
  pg_catalog.format_type(c.opcintype, NULL) AS type,
  CASE WHEN c.opckeytype <> 0 THEN pg_catalog.format_type(c.opckeytype, NULL) END AS storage,
  fn.nspname AS family_schema, f.opfname AS family,
  ${memberColumns('pg_opclass', 'c.oid')}
FROM pg_catalog.pg_opclass c
JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
WHERE ${dumpedOperatorClass}
ORDER BY n.nspname, c.opcname, am.amname`;

/** `"s"."c" USING "btree"`: how SQL names a class or family (the name is unique per access method only). */
export function operatorClassName(schema: string, name: string, method: string): string {
  return `${quoteQualified(schema, name)} USING ${quoteIdent(method)}`;
}

/** One OPERATOR FAMILY entry per user-defined family of the dumped schemas. */
export const readOperatorFamilies: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<MembersRow>(familiesQuery);
  return rows
    .filter((row) => options.includesSchema(row.schema))
    .map((row) =>
      makeEntry({
        id: `OPERATOR FAMILY ${operatorClassName(row.schema, row.name, row.method)}`,
        kind: 'OPERATOR FAMILY',
        section: 'pre-data',
        schema: row.schema,
        name: `${row.name} USING ${row.method}`,
        ref: toRef(row.classid, row.oid),
        dependsOn: [toRef(row.namespace_classid, row.namespace)],
        sql: operatorFamilySql(row),
      }),
    );
};

/** One OPERATOR CLASS entry per user-defined class of the dumped schemas. */
export const readOperatorClasses: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<OperatorClassRow>(classesQuery);
  return rows
    .filter((row) => options.includesSchema(row.schema))
    .map((row) =>
      makeEntry({
        id: `OPERATOR CLASS ${operatorClassName(row.schema, row.name, row.method)}`,
        kind: 'OPERATOR CLASS',
        section: 'pre-data',
        schema: row.schema,
        name: `${row.name} USING ${row.method}`,
        ref: toRef(row.classid, row.oid),
        dependsOn: [toRef(row.namespace_classid, row.namespace)],
        // The family of the same name that CREATE OPERATOR CLASS would otherwise make anew.
        after: [`OPERATOR FAMILY ${operatorClassName(row.family_schema, row.family, row.method)}`],
        sql: operatorClassSql(row),
      }),
    );
};

export function operatorFamilySql(row: Pick<MembersRow, 'schema' | 'name' | 'method' | 'operators' | 'functions'>): string {
  const name = operatorClassName(row.schema, row.name, row.method);
  const items = memberItems(row.operators, row.functions);
  const create = `CREATE OPERATOR FAMILY ${name};\n`;
  if (items.length === 0) return create;
  return `${create}ALTER OPERATOR FAMILY ${name} ADD\n${items.map((i) => `    ${i}`).join(',\n')};\n`;
}

export function operatorClassSql(row: Omit<OperatorClassRow, 'classid' | 'oid' | 'namespace_classid' | 'namespace'>): string {
  let head = `CREATE OPERATOR CLASS ${quoteQualified(row.schema, row.name)}${row.is_default ? ' DEFAULT' : ''} FOR TYPE ${row.type} USING ${quoteIdent(row.method)}`;
  // Without FAMILY, the class joins (or makes) the family of its own name in its own schema.
  if (row.family !== row.name || row.family_schema !== row.schema) head += ` FAMILY ${quoteQualified(row.family_schema, row.family)}`;
  const items = memberItems(row.operators, row.functions);
  if (row.storage !== null) items.push(`STORAGE ${row.storage}`);
  // CREATE OPERATOR CLASS needs at least one item; a class with none keeps its type as STORAGE.
  if (items.length === 0) items.push(`STORAGE ${row.type}`);
  return `${head} AS\n${items.map((i) => `    ${i}`).join(',\n')};\n`;
}
