// TYPE entries (enum, composite, range) and DOMAIN entries, one query per
// flavour. Base types (C input/output functions), shell types and the
// multirange/array types PostgreSQL makes by itself are not read here.
import type { QueryClient } from '../../../db/client.js';
import { quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, ReadOptions, TocEntry } from '../toc.js';
import { entryId, notExtensionMember, ref, userSchema } from './table-sql.js';
import { shellTypeEntry } from './base-types.js';
import { buildCreateComposite, buildCreateDomain, buildCreateEnum, buildCreateRange } from './type-build.js';
import { readDomainChecks } from './type-domain-checks.js';

interface TypeRow {
  oid: number;
  nspname: string;
  nspoid: number;
  typname: string;
}

const userTypes = (typtype: string, joins = '') => `
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace ${joins}
 WHERE t.typtype = '${typtype}' AND ${userSchema('n.nspname')} AND ${notExtensionMember('pg_type', 't.oid')}`;

function typeEntry(kind: 'TYPE' | 'DOMAIN', row: TypeRow, sql: string, dependsOn: number[]): TocEntry {
  return {
    id: entryId(kind, row.nspname, row.typname),
    kind,
    section: 'pre-data',
    schema: row.nspname,
    name: row.typname,
    ref: ref('pg_type', row.oid),
    dependsOn: [ref('pg_namespace', row.nspoid), ...dependsOn.map((oid) => ref('pg_type', oid))],
    sql,
  };
}

const qualifiedOrNull = (schema: string | null, name: string | null) =>
  schema === null || name === null ? null : quoteQualified(schema, name);

async function readEnums(client: QueryClient): Promise<TocEntry[]> {
  const { rows } = await client.query<TypeRow & { labels: string[] | null }>(
    `SELECT t.oid, n.nspname, n.oid AS nspoid, t.typname,
            (SELECT pg_catalog.array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
               FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) AS labels
     ${userTypes('e')} ORDER BY n.nspname, t.typname`,
  );
  return rows.map((row) => typeEntry('TYPE', row, buildCreateEnum(row.nspname, row.typname, row.labels ?? []), []));
}

async function readComposites(client: QueryClient): Promise<TocEntry[]> {
  const { rows } = await client.query<TypeRow & { attrs: Array<[string, string, string | null, string | null, string]> | null }>(
    `SELECT t.oid, n.nspname, n.oid AS nspoid, t.typname,
            (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                                        cn.nspname, co.collname, a.atttypid) ORDER BY a.attnum)
               FROM pg_catalog.pg_attribute a
               JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
               LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> at.typcollation
               LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
              WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attrs
     ${userTypes('c')} AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c'
     ORDER BY n.nspname, t.typname`,
  );
  return rows.map((row) => {
    const attrs = row.attrs ?? [];
    const attributes = attrs.map(([name, type, collSchema, collName]) => ({ name, type, collation: qualifiedOrNull(collSchema, collName) }));
    return typeEntry('TYPE', row, buildCreateComposite(row.nspname, row.typname, attributes), attrs.map((a) => Number(a[4])));
  });
}

interface RangeRow extends TypeRow {
  subtype: string;
  subtypeoid: number;
  multirange_nsp: string | null;
  multirange_name: string | null;
  opc_nsp: string | null;
  opc_name: string | null;
  coll_nsp: string | null;
  coll_name: string | null;
  canon_nsp: string | null;
  canon_name: string | null;
  diff_nsp: string | null;
  diff_name: string | null;
}

async function readRanges(client: QueryClient, options: ReadOptions): Promise<TocEntry[]> {
  const multirange = options.serverMajor >= 14 ? 'r.rngmultitypid' : '0::oid';
  const { rows } = await client.query<RangeRow>(
    `SELECT t.oid, n.nspname, n.oid AS nspoid, t.typname,
            pg_catalog.format_type(r.rngsubtype, NULL) AS subtype, r.rngsubtype AS subtypeoid,
            mn.nspname AS multirange_nsp, mt.typname AS multirange_name,
            CASE WHEN NOT opc.opcdefault THEN opcn.nspname END AS opc_nsp, CASE WHEN NOT opc.opcdefault THEN opc.opcname END AS opc_name,
            cn.nspname AS coll_nsp, co.collname AS coll_name,
            pcn.nspname AS canon_nsp, pc.proname AS canon_name, pdn.nspname AS diff_nsp, pd.proname AS diff_name
     ${userTypes('r', `
       JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
       JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
       LEFT JOIN pg_catalog.pg_type mt ON mt.oid = ${multirange}
       LEFT JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace
       JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
       JOIN pg_catalog.pg_namespace opcn ON opcn.oid = opc.opcnamespace
       LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation AND r.rngcollation <> st.typcollation
       LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
       LEFT JOIN pg_catalog.pg_proc pc ON pc.oid = r.rngcanonical
       LEFT JOIN pg_catalog.pg_namespace pcn ON pcn.oid = pc.pronamespace
       LEFT JOIN pg_catalog.pg_proc pd ON pd.oid = r.rngsubdiff
       LEFT JOIN pg_catalog.pg_namespace pdn ON pdn.oid = pd.pronamespace
     `)}
     ORDER BY n.nspname, t.typname`,
  );
  return rows.flatMap((row) => {
    const entry = typeEntry(
      'TYPE',
      row,
      buildCreateRange(row.nspname, row.typname, {
        subtype: row.subtype,
        multirange: qualifiedOrNull(row.multirange_nsp, row.multirange_name),
        opclass: qualifiedOrNull(row.opc_nsp, row.opc_name),
        collation: qualifiedOrNull(row.coll_nsp, row.coll_name),
        canonical: qualifiedOrNull(row.canon_nsp, row.canon_name),
        subtypeDiff: qualifiedOrNull(row.diff_nsp, row.diff_name),
      }),
      [Number(row.subtypeoid)],
    );
    if (row.canon_name === null) return [entry];
    // The canonical function takes the range type itself: a shell type comes first, as for base types.
    const shell = shellTypeEntry(row.nspname, row.typname, Number(row.oid), Number(row.nspoid));
    return [shell, { ...entry, after: [shell.id] }];
  });
}

interface DomainRow extends TypeRow {
  basetype: string;
  basetypeoid: number;
  typnotnull: boolean;
  typdefault: string | null;
  coll_nsp: string | null;
  coll_name: string | null;
}

async function readDomains(client: QueryClient): Promise<TocEntry[]> {
  const { rows } = await client.query<DomainRow>(
    `SELECT t.oid, n.nspname, n.oid AS nspoid, t.typname,
            pg_catalog.format_type(t.typbasetype, t.typtypmod) AS basetype, t.typbasetype AS basetypeoid,
            t.typnotnull, pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS typdefault,
            cn.nspname AS coll_nsp, co.collname AS coll_name
     ${userTypes('d', `
       JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
       LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation AND t.typcollation <> bt.typcollation
       LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
     `)}
     ORDER BY n.nspname, t.typname`,
  );
  const checks = await readDomainChecks(client);
  const entries: TocEntry[] = [];
  for (const row of rows) {
    const mine = checks.get(Number(row.oid)) ?? [];
    const sql = buildCreateDomain(row.nspname, row.typname, {
      baseType: row.basetype,
      collation: qualifiedOrNull(row.coll_nsp, row.coll_name),
      notNull: row.typnotnull,
      default: row.typdefault,
      checks: mine.filter((check) => check.validated),
    });
    entries.push(typeEntry('DOMAIN', row, sql, [Number(row.basetypeoid)]));
    // NOT VALID checks come after the data, as pg_dump does: existing rows may violate them.
    for (const check of mine.filter((c) => !c.validated)) {
      entries.push({
        id: entryId('CONSTRAINT', row.nspname, row.typname, check.name),
        kind: 'CONSTRAINT',
        section: 'post-data',
        schema: row.nspname,
        name: `${row.typname} ${check.name}`,
        ref: ref('pg_constraint', check.oid),
        dependsOn: [ref('pg_type', row.oid)],
        sql: `ALTER DOMAIN ${quoteQualified(row.nspname, row.typname)}\n    ADD CONSTRAINT ${check.quotedName} ${check.definition};\n`,
      });
    }
  }
  return entries;
}

export const readTypes: CatalogReader = async (client, options) => {
  const all = [
    ...(await readEnums(client)),
    ...(await readComposites(client)),
    ...(await readRanges(client, options)),
    ...(await readDomains(client)),
  ];
  return all.filter((entry) => options.includesSchema(entry.schema ?? ''));
};
