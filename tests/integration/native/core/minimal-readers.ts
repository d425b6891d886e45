// Just enough catalog readers to exercise the native engine's core (session,
// order, COPY, sequences, large objects) before the real readers land: schemas,
// tables (columns, identity, generated, defaults as DEFAULT entries), sequences
// with OWNED BY, views, PK/unique/check/FK constraints, indexes, table comments,
// large objects. Not the product: lib/engines/native/catalog/ is.
import type { QueryClient } from '../../../../lib/db/client.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../../../lib/sql/quote.js';
import type { CatalogReader, ReadOptions, TocEntry } from '../../../../lib/engines/native/toc.js';

const pgClass = 1259;
const pgNamespace = 2615;
const pgAttrdef = 2604;
const pgConstraint = 2606;
const pgLargeObject = 2613;

const userSchema = `n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'`;

async function readSchemas(client: QueryClient, options: ReadOptions): Promise<TocEntry[]> {
  const { rows } = await client.query<{ oid: number; name: string }>(
    `SELECT n.oid, n.nspname AS name FROM pg_catalog.pg_namespace n WHERE ${userSchema} AND n.nspname <> 'public' ORDER BY 2`,
  );
  return rows
    .filter((r) => options.includesSchema(r.name))
    .map((r) => ({
      id: `SCHEMA ${quoteIdent(r.name)}`,
      kind: 'SCHEMA',
      section: 'pre-data',
      schema: null,
      name: r.name,
      ref: { classid: pgNamespace, objid: r.oid },
      dependsOn: [],
      sql: `CREATE SCHEMA ${quoteIdent(r.name)};\n`,
    }));
}

interface ColumnRow {
  oid: number;
  schema: string;
  table: string;
  bytes: string;
  comment: string | null;
  columns: Array<{ name: string; type: string; notnull: boolean; generated: string; identity: string; def: string | null; defoid: number | null }>;
}

async function readTables(client: QueryClient, options: ReadOptions): Promise<TocEntry[]> {
  const { rows } = await client.query<ColumnRow>(`
    SELECT c.oid, n.nspname AS schema, c.relname AS "table", (c.relpages::int8 * 8192)::text AS bytes,
           pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
           COALESCE((SELECT json_agg(json_build_object(
                      'name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod), 'notnull', a.attnotnull,
                      'generated', a.attgenerated, 'identity', a.attidentity,
                      'def', pg_catalog.pg_get_expr(d.adbin, d.adrelid), 'defoid', d.oid) ORDER BY a.attnum)
               FROM pg_catalog.pg_attribute a
               LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND ${userSchema} ORDER BY 2, 3`);
  const entries: TocEntry[] = [];
  for (const t of rows.filter((r) => options.includesTable(r.schema, r.table))) {
    const qname = quoteQualified(t.schema, t.table);
    const ref = { classid: pgClass, objid: t.oid };
    const cols = t.columns.map((c) => {
      let line = `    ${quoteIdent(c.name)} ${c.type}`;
      if (c.generated === 's') line += ` GENERATED ALWAYS AS (${c.def}) STORED`;
      if (c.notnull) line += ' NOT NULL';
      if (c.identity) line += ` GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`;
      return line;
    });
    entries.push({ id: `TABLE ${qname}`, kind: 'TABLE', section: 'pre-data', schema: t.schema, name: t.table, ref, dependsOn: [], sql: `CREATE TABLE ${qname} (\n${cols.join(',\n')}\n);\n` });
    for (const c of t.columns.filter((c) => c.def !== null && c.generated === '')) {
      entries.push({
        id: `DEFAULT ${qname} ${quoteIdent(c.name)}`,
        kind: 'DEFAULT',
        section: 'pre-data',
        schema: t.schema,
        name: `${t.table} ${c.name}`,
        ref: { classid: pgAttrdef, objid: c.defoid! },
        dependsOn: [ref],
        sql: `ALTER TABLE ONLY ${qname} ALTER COLUMN ${quoteIdent(c.name)} SET DEFAULT ${c.def};\n`,
      });
    }
    if (t.comment !== null) {
      entries.push({ id: `COMMENT TABLE ${qname}`, kind: 'COMMENT', section: 'pre-data', schema: t.schema, name: `TABLE ${t.table}`, ref: null, dependsOn: [], after: [`TABLE ${qname}`], sql: `COMMENT ON TABLE ${qname} IS ${quoteLiteral(t.comment)};\n` });
    }
    entries.push({
      id: `TABLE DATA ${qname}`,
      kind: 'TABLE DATA',
      section: 'data',
      schema: t.schema,
      name: t.table,
      ref: null,
      dependsOn: [ref],
      sql: '',
      copy: { schema: t.schema, table: t.table, columns: t.columns.filter((c) => c.generated === '').map((c) => c.name), estimatedBytes: Number(t.bytes) },
    });
  }
  return entries;
}

async function readSequences(client: QueryClient, options: ReadOptions): Promise<TocEntry[]> {
  const { rows } = await client.query<{ oid: number; schema: string; name: string; type: string; start: string; inc: string; min: string; max: string; cache: string; cycle: boolean; owner_schema: string | null; owner_table: string | null; owner_column: string | null; owner_oid: number | null }>(`
    SELECT c.oid, n.nspname AS schema, c.relname AS name, pg_catalog.format_type(s.seqtypid, NULL) AS type,
           s.seqstart::text AS start, s.seqincrement::text AS inc, s.seqmin::text AS min, s.seqmax::text AS max,
           s.seqcache::text AS cache, s.seqcycle AS cycle,
           tn.nspname AS owner_schema, t.relname AS owner_table, a.attname AS owner_column, t.oid AS owner_oid
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
      LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
            AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'a'
      LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
      LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
      LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE c.relkind = 'S' AND ${userSchema}
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i WHERE i.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.objid = c.oid AND i.deptype = 'i')
     ORDER BY 2, 3`);
  const entries: TocEntry[] = [];
  for (const s of rows.filter((r) => options.includesTable(r.schema, r.name) || (r.owner_table !== null && options.includesTable(r.owner_schema!, r.owner_table)))) {
    const qname = quoteQualified(s.schema, s.name);
    const ref = { classid: pgClass, objid: s.oid };
    entries.push({
      id: `SEQUENCE ${qname}`,
      kind: 'SEQUENCE',
      section: 'pre-data',
      schema: s.schema,
      name: s.name,
      ref,
      dependsOn: [],
      sql: `CREATE SEQUENCE ${qname}\n    AS ${s.type}\n    START WITH ${s.start}\n    INCREMENT BY ${s.inc}\n    MINVALUE ${s.min}\n    MAXVALUE ${s.max}\n    CACHE ${s.cache}${s.cycle ? '\n    CYCLE' : ''};\n`,
    });
    if (s.owner_table !== null) {
      entries.push({
        id: `SEQUENCE OWNED BY ${qname}`,
        kind: 'SEQUENCE OWNED BY',
        section: 'pre-data',
        schema: s.schema,
        name: s.name,
        ref: null,
        dependsOn: [ref, { classid: pgClass, objid: s.owner_oid! }],
        sql: `ALTER SEQUENCE ${qname} OWNED BY ${quoteQualified(s.owner_schema!, s.owner_table)}.${quoteIdent(s.owner_column!)};\n`,
      });
    }
  }
  return entries;
}

async function readViews(client: QueryClient, options: ReadOptions): Promise<TocEntry[]> {
  const { rows } = await client.query<{ oid: number; schema: string; name: string; def: string }>(`
    SELECT c.oid, n.nspname AS schema, c.relname AS name, pg_catalog.pg_get_viewdef(c.oid) AS def
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'v' AND ${userSchema} ORDER BY 2, 3`);
  return rows
    .filter((v) => options.includesTable(v.schema, v.name))
    .map((v) => ({
      id: `VIEW ${quoteQualified(v.schema, v.name)}`,
      kind: 'VIEW',
      section: 'pre-data',
      schema: v.schema,
      name: v.name,
      ref: { classid: pgClass, objid: v.oid },
      dependsOn: [],
      sql: `CREATE VIEW ${quoteQualified(v.schema, v.name)} AS\n${v.def.replace(/;\s*$/, '')};\n`,
    }));
}

async function readConstraintsAndIndexes(client: QueryClient, options: ReadOptions): Promise<TocEntry[]> {
  const { rows } = await client.query<{ oid: number; schema: string; table: string; name: string; type: string; def: string }>(`
    SELECT k.oid, n.nspname AS schema, c.relname AS "table", k.conname AS name, k.contype::text AS type,
           pg_catalog.pg_get_constraintdef(k.oid) AS def
      FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND k.contype IN ('p', 'u', 'c', 'f') AND ${userSchema} ORDER BY 2, 3, 4`);
  const entries: TocEntry[] = rows
    .filter((k) => options.includesTable(k.schema, k.table))
    .map((k) => ({
      id: `CONSTRAINT ${quoteQualified(k.schema, k.table)} ${quoteIdent(k.name)}`,
      kind: k.type === 'f' ? 'FK CONSTRAINT' : 'CONSTRAINT',
      // Checks go with the table (before data), as pg_dump writes them inline.
      section: k.type === 'c' ? 'pre-data' : 'post-data',
      schema: k.schema,
      name: `${k.table} ${k.name}`,
      ref: { classid: pgConstraint, objid: k.oid },
      dependsOn: [],
      sql: `ALTER TABLE ONLY ${quoteQualified(k.schema, k.table)}\n    ADD CONSTRAINT ${quoteIdent(k.name)} ${k.def};\n`,
    }));
  const indexes = await client.query<{ oid: number; schema: string; table: string; name: string; def: string }>(`
    SELECT i.oid, n.nspname AS schema, t.relname AS "table", i.relname AS name, pg_catalog.pg_get_indexdef(i.oid) AS def
      FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
      JOIN pg_catalog.pg_class t ON t.oid = x.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relkind = 'r' AND ${userSchema}
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.oid AND k.contype IN ('p', 'u', 'x'))
     ORDER BY 2, 3, 4`);
  for (const i of indexes.rows.filter((r) => options.includesTable(r.schema, r.table))) {
    entries.push({ id: `INDEX ${quoteQualified(i.schema, i.name)}`, kind: 'INDEX', section: 'post-data', schema: i.schema, name: i.name, ref: { classid: pgClass, objid: i.oid }, dependsOn: [], sql: `${i.def};\n` });
  }
  return entries;
}

async function readLargeObjects(client: QueryClient): Promise<TocEntry[]> {
  const { rows } = await client.query<{ oid: number }>('SELECT oid FROM pg_catalog.pg_largeobject_metadata ORDER BY 1');
  return rows.map((r) => ({
    id: `LARGE OBJECT ${r.oid}`,
    kind: 'LARGE OBJECT',
    section: 'pre-data',
    schema: null,
    name: String(r.oid),
    ref: { classid: pgLargeObject, objid: Number(r.oid) },
    dependsOn: [],
    sql: `SELECT pg_catalog.lo_create('${r.oid}');\n`,
  }));
}

export const minimalReaders: CatalogReader[] = [readSchemas, readTables, readSequences, readViews, readConstraintsAndIndexes, readLargeObjects];

/** Read options that include everything. */
export function everything(serverMajor: number): ReadOptions {
  return { noOwner: true, noPrivileges: true, includesSchema: () => true, includesTable: () => true, serverMajor };
}
