// VIEW and MATERIALIZED VIEW entries (pre-data; a materialized view is created
// WITH NO DATA) and MATERIALIZED VIEW DATA entries (post-data REFRESH) for the
// populated ones. The definition is pg_get_viewdef(oid, true).
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { entryId, formatReloptions, notExtensionMember, ref, userSchema } from './table-sql.js';

interface ViewRow {
  oid: number;
  nspname: string;
  nspoid: number;
  relname: string;
  relkind: string;
  def: string;
  reloptions: string[] | null;
  relispopulated: boolean;
  am: string | null;
  /** [refclassid, refobjid] of what the view's rewrite rule depends on. */
  deps: Array<[number, number]> | null;
  rule_oid: number | null;
  /** [name, format_type, quoted collation or null, type oid] of each column. */
  columns: Array<[string, string, string | null, number]> | null;
}

/**
 * pg_dump's createDummyViewAsClause: a view with the same columns (NULL casts
 * to each column's type and collation) and no dependencies, so that what the
 * real definition needs can be created first.
 */
export function buildPlaceholderView(schema: string, name: string, columns: ReadonlyArray<readonly [string, string, string | null, number]>): string {
  const list = columns.map(([column, type, collation]) => `NULL::${type}${collation === null ? '' : ` COLLATE ${collation}`} AS ${quoteIdent(column)}`);
  return `CREATE VIEW ${quoteQualified(schema, name)} AS\n SELECT ${list.join(',\n    ')};\n`;
}

export interface ViewParts {
  schema: string;
  name: string;
  materialized: boolean;
  definition: string;
  reloptions: string[] | null;
  accessMethod: string | null;
}

/** CREATE [MATERIALIZED] VIEW in pg_dump's layout; check_option becomes WITH … CHECK OPTION. */
export function buildCreateView(view: ViewParts): string {
  const options = (view.reloptions ?? []).filter((o) => !o.startsWith('check_option='));
  const check = (view.reloptions ?? []).find((o) => o.startsWith('check_option='))?.slice('check_option='.length);
  const body = view.definition.replace(/;\s*$/, '');
  let sql = `CREATE ${view.materialized ? 'MATERIALIZED ' : ''}VIEW ${quoteQualified(view.schema, view.name)}`;
  if (view.accessMethod !== null) sql += ` USING ${quoteIdent(view.accessMethod)}`;
  const withList = formatReloptions(options);
  if (withList.length > 0) sql += ` WITH (${withList.join(', ')})`;
  sql += ` AS\n${body}`;
  if (view.materialized) sql += '\n  WITH NO DATA';
  else if (check) sql += `\n  WITH ${check.toUpperCase() === 'CASCADED' ? 'CASCADED' : 'LOCAL'} CHECK OPTION`;
  return `${sql};\n`;
}

export const readViews: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<ViewRow>(
    `SELECT c.oid, n.nspname, n.oid AS nspoid, c.relname, c.relkind, pg_catalog.pg_get_viewdef(c.oid, true) AS def,
            c.reloptions, c.relispopulated, CASE WHEN c.relkind = 'm' AND am.amname <> 'heap' THEN am.amname END AS am,
            (SELECT pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_array(d.refclassid, d.refobjid))
               FROM pg_catalog.pg_rewrite r
               JOIN pg_catalog.pg_depend d ON d.classid = 2618 AND d.objid = r.oid AND d.deptype = 'n'
              WHERE r.ev_class = c.oid AND NOT (d.refclassid = 1259 AND d.refobjid = c.oid)) AS deps,
            (SELECT r.oid FROM pg_catalog.pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename = '_RETURN') AS rule_oid,
            (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                      CASE WHEN co.oid IS NOT NULL THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END,
                      a.atttypid) ORDER BY a.attnum)
               FROM pg_catalog.pg_attribute a
               JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
               LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
               LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
      WHERE c.relkind IN ('v', 'm') AND ${userSchema('n.nspname')} AND ${notExtensionMember('pg_class', 'c.oid')}
      ORDER BY n.nspname, c.relname`,
  );
  const entries: TocEntry[] = [];
  for (const row of rows) {
    if (!options.includesTable(row.nspname, row.relname)) continue;
    const materialized = row.relkind === 'm';
    const kind = materialized ? 'MATERIALIZED VIEW' : 'VIEW';
    const id = entryId(kind, row.nspname, row.relname);
    const parts = { schema: row.nspname, name: row.relname, materialized, definition: row.def, reloptions: row.reloptions, accessMethod: row.am };
    // A view in a dependency loop (a function over its row type that it calls) is written
    // as a placeholder, then replaced by its definition, as pg_dump does.
    const split: TocEntry['split'] =
      materialized || row.rule_oid === null
        ? undefined
        : {
            sql: buildPlaceholderView(row.nspname, row.relname, row.columns ?? []),
            dependsOn: [ref('pg_namespace', row.nspoid), ...(row.columns ?? []).map(([, , , typeOid]) => ref('pg_type', typeOid))],
            rest: {
              id: entryId('RULE', row.nspname, row.relname, '_RETURN'),
              kind: 'RULE',
              section: 'pre-data',
              schema: row.nspname,
              name: `${row.relname} _RETURN`,
              ref: ref('pg_rewrite', row.rule_oid),
              sql: buildCreateView(parts).replace(/^CREATE VIEW /, 'CREATE OR REPLACE VIEW '),
            },
          };
    entries.push({
      id,
      kind,
      section: 'pre-data',
      schema: row.nspname,
      name: row.relname,
      ref: ref('pg_class', row.oid),
      dependsOn: [
        ref('pg_namespace', row.nspoid),
        ...(row.deps ?? []).map(([classid, objid]) => ({ classid: Number(classid), objid: Number(objid) })),
      ],
      sql: buildCreateView(parts),
      ...(split ? { split } : {}),
    });
    if (materialized && row.relispopulated) {
      entries.push({
        id: entryId('MATERIALIZED VIEW DATA', row.nspname, row.relname),
        kind: 'MATERIALIZED VIEW DATA',
        section: 'post-data',
        schema: row.nspname,
        name: row.relname,
        ref: null,
        dependsOn: [ref('pg_class', row.oid)],
        after: [id],
        sql: `REFRESH MATERIALIZED VIEW ${quoteQualified(row.nspname, row.relname)};\n`,
      });
    }
  }
  return entries;
};
