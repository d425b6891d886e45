// CREATE OPERATOR for the operators of the dumped schemas, as pg_dump's dumpOpr
// writes them: function, argument types, commutator and negator (by
// OPERATOR(schema.name), which makes a shell for one not yet created), MERGES,
// HASHES, selectivity estimators. Shell operators (no function yet: the
// commutator or negator nobody defined) are not dumped: the CREATE that names
// them makes them again.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent } from '../../../sql/quote.js';
import type { CatalogReader } from '../toc.js';
import { makeEntry, toRef, type SchemaObjectRow } from './fn-entry.js';
import { catalogOid, isNotExtensionMember, isUserSchema } from './fn-sql.js';

export interface OperatorRow extends SchemaObjectRow {
  /** `integer, integer`, `NONE, integer`: the identity COMMENT and ALTER name it by. */
  args: string;
  function: string;
  left: string | null;
  right: string | null;
  /** [schema, name] of the commutator and negator. */
  commutator: [string, string] | null;
  negator: [string, string] | null;
  merges: boolean;
  hashes: boolean;
  restrict: string | null;
  join: string | null;
}

const argType = (column: string) => `CASE WHEN ${column} <> 0 THEN pg_catalog.format_type(${column}, NULL) END`;
const other = (column: string) =>
  `(SELECT pg_catalog.json_build_array(x.nspname, p.oprname) FROM pg_catalog.pg_operator p
     JOIN pg_catalog.pg_namespace x ON x.oid = p.oprnamespace WHERE p.oid = ${column})`;
const proc = (column: string) => `CASE WHEN ${column} <> 0 THEN ${column}::pg_catalog.regproc::pg_catalog.text END`;

/** SQL: an operator's identity arguments, `NONE` for a missing side. */
export const operatorArgs = (alias: string) =>
  `COALESCE(${argType(`${alias}.oprleft`)}, 'NONE') || ', ' || COALESCE(${argType(`${alias}.oprright`)}, 'NONE')`;

const operatorsQuery = `SELECT ${catalogOid('pg_operator')} AS classid, o.oid, ${catalogOid('pg_namespace')} AS namespace_classid,
  n.oid AS namespace, n.nspname AS schema, o.oprname AS name, ${operatorArgs('o')} AS args,
  o.oprcode::pg_catalog.regproc::pg_catalog.text AS function, ${argType('o.oprleft')} AS left, ${argType('o.oprright')} AS right,
  ${other('o.oprcom')} AS commutator, ${other('o.oprnegate')} AS negator, o.oprcanmerge AS merges, o.oprcanhash AS hashes,
  ${proc('o.oprrest')} AS restrict, ${proc('o.oprjoin')} AS join
FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
WHERE o.oprcode <> 0 AND ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_operator', 'o.oid')}
ORDER BY n.nspname, o.oprname, args`;

/** `"s".===`: an operator's name is written bare after its quoted schema. */
export function operatorName(schema: string, name: string): string {
  // Operator names are made of + - * / < > = ~ ! @ # % ^ & | ` ? only; anything else would not be one.
  if (!/^[-+*/<>=~!@#%^&|`?]+$/.test(name)) throw new Error(`not an operator name: ${JSON.stringify(name)}`);
  return `${quoteIdent(schema)}.${name}`;
}

/** One OPERATOR entry per operator (not shell) of the dumped schemas. */
export const readOperators: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<OperatorRow>(operatorsQuery);
  return rows
    .filter((row) => options.includesSchema(row.schema))
    .map((row) =>
      makeEntry({
        id: `OPERATOR ${operatorName(row.schema, row.name)}(${row.args})`,
        kind: 'OPERATOR',
        section: 'pre-data',
        schema: row.schema,
        name: `${row.name}(${row.args})`,
        ref: toRef(row.classid, row.oid),
        dependsOn: [toRef(row.namespace_classid, row.namespace)],
        sql: operatorSql(row),
      }),
    );
};

export function operatorSql(row: Omit<OperatorRow, 'classid' | 'oid' | 'namespace_classid' | 'namespace' | 'args'>): string {
  const items = [`FUNCTION = ${row.function}`];
  if (row.left !== null) items.push(`LEFTARG = ${row.left}`);
  if (row.right !== null) items.push(`RIGHTARG = ${row.right}`);
  if (row.commutator) items.push(`COMMUTATOR = OPERATOR(${operatorName(...row.commutator)})`);
  if (row.negator) items.push(`NEGATOR = OPERATOR(${operatorName(...row.negator)})`);
  if (row.merges) items.push('MERGES');
  if (row.hashes) items.push('HASHES');
  if (row.restrict !== null) items.push(`RESTRICT = ${row.restrict}`);
  if (row.join !== null) items.push(`JOIN = ${row.join}`);
  return `CREATE OPERATOR ${operatorName(row.schema, row.name)} (\n${items.map((i) => `    ${i}`).join(',\n')}\n);\n`;
}
