// CREATE CAST for user-defined casts, as pg_dump's dumpCast: those made after
// initdb and not by an extension (selectDumpableCast), when the dump covers
// the whole database. Types and the function come out of format_type and
// regprocedure, qualified since the dump reads with an empty search_path.
import type { QueryClient } from '../../../db/client.js';
import type { CatalogReader } from '../toc.js';
import { dumpedCast } from './decorated-kinds-query.js';
import { includesDatabaseObjects, makeEntry, toRef } from './fn-entry.js';
import { catalogOid } from './fn-sql.js';

export interface CastRow {
  classid: string;
  oid: string;
  source: string;
  target: string;
  type_classid: string;
  source_oid: string;
  target_oid: string;
  /** castmethod: 'f' with a function, 'i' WITH INOUT, 'b' WITHOUT FUNCTION. */
  method: 'f' | 'i' | 'b';
  /** castcontext: 'e' explicit only, 'a' AS ASSIGNMENT, 'i' AS IMPLICIT. */
  context: 'e' | 'a' | 'i';
  function_classid: string;
  /** The function with its argument types (`"s"."f"("s"."t")`), null without one. */
  function: string | null;
  function_oid: string;
}

const castsQuery = `SELECT ${catalogOid('pg_cast')} AS classid, c.oid,
  pg_catalog.format_type(c.castsource, NULL) AS source, pg_catalog.format_type(c.casttarget, NULL) AS target,
  ${catalogOid('pg_type')} AS type_classid, c.castsource AS source_oid, c.casttarget AS target_oid,
  c.castmethod AS method, c.castcontext AS context, ${catalogOid('pg_proc')} AS function_classid,
  CASE WHEN c.castfunc <> 0 THEN c.castfunc::pg_catalog.regprocedure::pg_catalog.text END AS function, c.castfunc AS function_oid
FROM pg_catalog.pg_cast c
WHERE ${dumpedCast}
ORDER BY source, target`;

/** `(bigint AS "s"."t")`: how COMMENT ON CAST and DROP CAST name a cast. */
export function castName(row: Pick<CastRow, 'source' | 'target'>): string {
  return `(${row.source} AS ${row.target})`;
}

/** One CAST entry per user-defined cast. */
export const readCasts: CatalogReader = async (client: QueryClient, options) => {
  if (!includesDatabaseObjects(options)) return [];
  const { rows } = await client.query<CastRow>(castsQuery);
  return rows.map((row) =>
    makeEntry({
      id: `CAST ${castName(row)}`,
      kind: 'CAST',
      section: 'pre-data',
      schema: null,
      name: `${row.source} AS ${row.target}`,
      ref: toRef(row.classid, row.oid),
      dependsOn: [
        toRef(row.type_classid, row.source_oid),
        toRef(row.type_classid, row.target_oid),
        ...(row.function === null ? [] : [toRef(row.function_classid, row.function_oid)]),
      ],
      sql: castSql(row),
    }),
  );
};

const contexts = { e: '', a: ' AS ASSIGNMENT', i: ' AS IMPLICIT' } as const;

export function castSql(row: Pick<CastRow, 'source' | 'target' | 'method' | 'context' | 'function'>): string {
  const how = row.method === 'i' ? 'WITH INOUT' : row.method === 'b' || row.function === null ? 'WITHOUT FUNCTION' : `WITH FUNCTION ${row.function}`;
  return `CREATE CAST ${castName(row)} ${how}${contexts[row.context]};\n`;
}
