// CREATE TRANSFORM FOR type LANGUAGE lang (FROM SQL WITH FUNCTION …, TO SQL
// WITH FUNCTION …), as pg_dump's dumpTransform writes it. Transforms belong to
// the whole database: a dump narrowed by patterns leaves them out.
import type { QueryClient } from '../../../db/client.js';

import type { CatalogReader } from '../toc.js';
import { includesDatabaseObjects, makeEntry, toRef } from './fn-entry.js';
import { catalogOid } from './fn-sql.js';

/** SQL condition on `tr` (pg_transform): a transform a dump re-creates. */
export const dumpedTransform = `tr.oid >= 16384 AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
  WHERE e.classid = 'pg_catalog.pg_transform'::pg_catalog.regclass AND e.objid = tr.oid AND e.deptype = 'e')`;

/** SQL expression: `FOR type LANGUAGE lang`, the transform's name in COMMENT ON TRANSFORM and in entry ids. */
export const transformName = `'FOR ' || pg_catalog.format_type(tr.trftype, NULL) || ' LANGUAGE ' || pg_catalog.quote_ident(l.lanname)`;

interface TransformRow {
  classid: string;
  oid: string;
  name: string;
  fromsql: string | null;
  tosql: string | null;
}

const transformsQuery = `SELECT ${catalogOid('pg_transform')} AS classid, tr.oid, ${transformName} AS name,
  CASE WHEN tr.trffromsql <> 0 THEN tr.trffromsql::pg_catalog.regprocedure::pg_catalog.text END AS fromsql,
  CASE WHEN tr.trftosql <> 0 THEN tr.trftosql::pg_catalog.regprocedure::pg_catalog.text END AS tosql
FROM pg_catalog.pg_transform tr JOIN pg_catalog.pg_language l ON l.oid = tr.trflang
WHERE ${dumpedTransform} ORDER BY name`;

/** `CREATE TRANSFORM FOR t LANGUAGE l (FROM SQL WITH FUNCTION f(internal), TO SQL WITH FUNCTION g(internal));` */
export function transformSql(row: Pick<TransformRow, 'name' | 'fromsql' | 'tosql'>): string {
  const parts: string[] = [];
  if (row.fromsql !== null) parts.push(`FROM SQL WITH FUNCTION ${row.fromsql}`);
  if (row.tosql !== null) parts.push(`TO SQL WITH FUNCTION ${row.tosql}`);
  return `CREATE TRANSFORM ${row.name} (${parts.join(', ')});\n`;
}

export const readTransforms: CatalogReader = async (client: QueryClient, options) => {
  if (!includesDatabaseObjects(options)) return [];
  const { rows } = await client.query<TransformRow>(transformsQuery);
  return rows.map((row) =>
    makeEntry({
      id: `TRANSFORM ${row.name}`,
      kind: 'TRANSFORM',
      section: 'pre-data',
      schema: null,
      name: row.name,
      ref: toRef(row.classid, row.oid),
      sql: transformSql(row),
    }),
  );
};
