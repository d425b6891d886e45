// CREATE AGGREGATE built from pg_aggregate field by field, as pg_dump's dumpAgg
// writes it (there is no pg_get_aggregatedef).
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { makeEntry, routineSignature, toRef } from './fn-entry.js';
import { catalogOid, isNotExtensionMember, isUserSchema } from './fn-sql.js';

/** One aggregate's pg_aggregate row, with regproc/regtype columns as text. */
export interface AggregateRow {
  classid: number;
  oid: number;
  namespace_classid: number;
  namespace: number;
  schema: string;
  name: string;
  /** pg_get_function_arguments: what CREATE AGGREGATE lists. */
  arguments: string;
  /** pg_get_function_identity_arguments: how COMMENT/ALTER/GRANT name it. */
  args: string;
  nargs: number;
  aggkind: 'n' | 'o' | 'h';
  transfn: string;
  transtype: string;
  transspace: number;
  initval: string | null;
  finalfn: string;
  finalextra: boolean;
  finalmodify: 'r' | 's' | 'w';
  combinefn: string;
  serialfn: string;
  deserialfn: string;
  mtransfn: string;
  minvtransfn: string;
  mtranstype: string | null;
  mtransspace: number;
  minitval: string | null;
  mfinalfn: string;
  mfinalextra: boolean;
  mfinalmodify: 'r' | 's' | 'w';
  sortop_schema: string | null;
  sortop_name: string | null;
  parallel: 's' | 'r' | 'u';
}

const aggregatesQuery = `SELECT ${catalogOid('pg_proc')} AS classid, p.oid, ${catalogOid('pg_namespace')} AS namespace_classid,
  p.pronamespace AS namespace, n.nspname AS schema, p.proname AS name,
  pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
  pg_catalog.pg_get_function_identity_arguments(p.oid) AS args, p.pronargs AS nargs,
  a.aggkind, a.aggtransfn::pg_catalog.text AS transfn, a.aggtranstype::pg_catalog.regtype::pg_catalog.text AS transtype,
  a.aggtransspace AS transspace, a.agginitval AS initval,
  a.aggfinalfn::pg_catalog.text AS finalfn, a.aggfinalextra AS finalextra, a.aggfinalmodify AS finalmodify,
  a.aggcombinefn::pg_catalog.text AS combinefn, a.aggserialfn::pg_catalog.text AS serialfn,
  a.aggdeserialfn::pg_catalog.text AS deserialfn,
  a.aggmtransfn::pg_catalog.text AS mtransfn, a.aggminvtransfn::pg_catalog.text AS minvtransfn,
  CASE WHEN a.aggmtranstype <> 0 THEN a.aggmtranstype::pg_catalog.regtype::pg_catalog.text END AS mtranstype,
  a.aggmtransspace AS mtransspace, a.aggminitval AS minitval,
  a.aggmfinalfn::pg_catalog.text AS mfinalfn, a.aggmfinalextra AS mfinalextra, a.aggmfinalmodify AS mfinalmodify,
  opn.nspname AS sortop_schema, op.oprname AS sortop_name, p.proparallel AS parallel
FROM pg_catalog.pg_aggregate a
JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_catalog.pg_operator op ON op.oid = a.aggsortop
LEFT JOIN pg_catalog.pg_namespace opn ON opn.oid = op.oprnamespace
WHERE ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_proc', 'p.oid')}
ORDER BY n.nspname, p.proname, args`;

/** `AGGREGATE "s"."a"(integer)`: the id of an aggregate's entry. */
export function aggregateEntryId(schema: string, name: string, args: string): string {
  return `AGGREGATE ${routineSignature(schema, name, args, true)}`;
}

/** One CREATE AGGREGATE entry per aggregate of the dumped schemas. */
export const readAggregates: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<AggregateRow>(aggregatesQuery);
  const entries: TocEntry[] = [];
  for (const row of rows) {
    if (!options.includesSchema(row.schema)) continue;
    entries.push(
      makeEntry({
        id: aggregateEntryId(row.schema, row.name, row.args),
        kind: 'AGGREGATE',
        section: 'pre-data',
        schema: row.schema,
        name: `${row.name}(${row.args === '' ? '*' : row.args})`,
        ref: toRef(row.classid, row.oid),
        dependsOn: [toRef(row.namespace_classid, row.namespace)],
        sql: aggregateSql(row),
      }),
    );
  }
  return entries;
};

const modifyNames = { r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' } as const;

/** CREATE AGGREGATE with the options pg_dump writes, in its order, defaults left out. */
export function aggregateSql(row: AggregateRow): string {
  // regproc/regtype text is already quoted and qualified as needed by the server.
  const lines = [`SFUNC = ${row.transfn}`, `STYPE = ${row.transtype}`];
  if (Number(row.transspace) !== 0) lines.push(`SSPACE = ${row.transspace}`);
  if (row.initval !== null) lines.push(`INITCOND = ${quoteLiteral(row.initval)}`);
  // Ordered-set and hypothetical aggregates modify their state in the final function by default.
  const defaultModify = row.aggkind === 'n' ? 'r' : 'w';
  if (row.finalfn !== '-') {
    lines.push(`FINALFUNC = ${row.finalfn}`);
    if (row.finalextra) lines.push('FINALFUNC_EXTRA');
    if (row.finalmodify !== defaultModify) lines.push(`FINALFUNC_MODIFY = ${modifyNames[row.finalmodify]}`);
  }
  if (row.combinefn !== '-') lines.push(`COMBINEFUNC = ${row.combinefn}`);
  if (row.serialfn !== '-') lines.push(`SERIALFUNC = ${row.serialfn}`);
  if (row.deserialfn !== '-') lines.push(`DESERIALFUNC = ${row.deserialfn}`);
  if (row.mtransfn !== '-') {
    lines.push(`MSFUNC = ${row.mtransfn}`, `MINVFUNC = ${row.minvtransfn}`, `MSTYPE = ${row.mtranstype}`);
  }
  if (Number(row.mtransspace) !== 0) lines.push(`MSSPACE = ${row.mtransspace}`);
  if (row.minitval !== null) lines.push(`MINITCOND = ${quoteLiteral(row.minitval)}`);
  if (row.mfinalfn !== '-') {
    lines.push(`MFINALFUNC = ${row.mfinalfn}`);
    if (row.mfinalextra) lines.push('MFINALFUNC_EXTRA');
    if (row.mfinalmodify !== defaultModify) lines.push(`MFINALFUNC_MODIFY = ${modifyNames[row.mfinalmodify]}`);
  }
  if (row.sortop_name !== null && row.sortop_schema !== null) {
    lines.push(`SORTOP = OPERATOR(${quoteIdent(row.sortop_schema)}.${row.sortop_name})`);
  }
  if (row.aggkind === 'h') lines.push('HYPOTHETICAL');
  if (row.parallel === 's') lines.push('PARALLEL = safe');
  else if (row.parallel === 'r') lines.push('PARALLEL = restricted');
  // pg_get_function_arguments is empty for `agg(*)`.
  const signature = `${quoteQualified(row.schema, row.name)}(${Number(row.nargs) === 0 ? '*' : row.arguments})`;
  return `CREATE AGGREGATE ${signature} (\n${lines.map((line) => `    ${line}`).join(',\n')}\n);\n`;
}
