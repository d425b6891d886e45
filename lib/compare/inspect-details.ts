// What compare needs beyond the native engine's entries: each column's
// attributes one by one (the CREATE TABLE text would mix them together), table
// options, extension versions and enum labels. Read in the same snapshot as the
// entries, through pg_catalog, with the same schema filter.
import type { QueryClient } from '../db/client.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import { entryId, sequenceOptionLines, userSchema, type EntryKind, type SequenceParts } from '../engines/native/catalog/index.js';
import type { ModelColumn } from './model.js';

/** Facts keyed by the native entry id of the object they belong to. */
export interface InspectedDetails {
  /** `TABLE "s"."t"` → its columns in attnum order. */
  columns: Map<string, ModelColumn[]>;
  /** `TABLE "s"."t"`, `EXTENSION "x"`, `TYPE "s"."e"` → compared facts. */
  details: Map<string, Record<string, string>>;
  /** `DEFAULT "s"."t" "c"` → `TABLE "s"."t"` for defaults of tables. */
  defaultOwners: Map<string, string>;
}

interface ColumnRow {
  nspname: string;
  relname: string;
  attname: string;
  type: string;
  attnotnull: boolean;
  default: string | null;
  attidentity: string;
  generated: string | null;
  collation_schema: string | null;
  collation_name: string | null;
}

interface TableRow {
  nspname: string;
  relname: string;
  relkind: string;
  relpersistence: string;
  reloptions: string[] | null;
  partkey: string | null;
  inherits: string[] | null;
  access_method: string | null;
  of_type: string | null;
}

/**
 * Reads columns, table options, extension versions and enum labels of the included schemas.
 * `kinds`: the kinds of the entries read (default: all). Details are only ever looked up
 * for an entry (inspect.ts toModelObject), so a query whose facts would belong to a kind
 * no entry has is not sent: every query is planned afresh in the dump's new session, and
 * with many small databases that is most of what the model costs the server.
 */
export async function readInspectedDetails(client: QueryClient, includesSchema: (schema: string) => boolean, kinds?: ReadonlySet<EntryKind>): Promise<InspectedDetails> {
  const result: InspectedDetails = { columns: new Map(), details: new Map(), defaultOwners: new Map() };
  const has = (kind: EntryKind) => kinds === undefined || kinds.has(kind);
  // Columns give the TABLE entries their columns and the DEFAULT entries their table.
  if (has('TABLE') || has('DEFAULT')) await readColumns(client, includesSchema, result);
  if (has('TABLE')) await readTableOptions(client, includesSchema, result);
  if (has('EXTENSION')) await readExtensionVersions(client, result);
  if (has('TYPE')) await readEnumLabels(client, includesSchema, result);
  if (has('TABLE')) await readInlineChecks(client, includesSchema, result);
  if (has('SEQUENCE')) await readSequenceOptions(client, includesSchema, result);
  return result;
}

async function readColumns(client: QueryClient, includesSchema: (schema: string) => boolean, out: InspectedDetails): Promise<void> {
  const { rows } = await client.query<ColumnRow>(
    `SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
            CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS default,
            a.attidentity::text AS attidentity,
            CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS generated,
            cn.nspname AS collation_schema, co.collname AS collation_name
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
       LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
       LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
      WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped AND ${userSchema('n.nspname')}
      ORDER BY n.nspname, c.relname, a.attnum`,
  );
  for (const row of rows) {
    if (!includesSchema(row.nspname)) continue;
    const table = entryId('TABLE', row.nspname, row.relname);
    const list = out.columns.get(table) ?? [];
    list.push({
      name: row.attname,
      type: row.type,
      notNull: row.attnotnull,
      default: row.default,
      identity: row.attidentity === 'a' ? 'ALWAYS' : row.attidentity === 'd' ? 'BY DEFAULT' : null,
      generated: row.generated,
      collation: row.collation_schema !== null && row.collation_name !== null ? quoteQualified(row.collation_schema, row.collation_name) : null,
    });
    out.columns.set(table, list);
    if (row.default !== null) out.defaultOwners.set(entryId('DEFAULT', row.nspname, row.relname, row.attname), table);
  }
}

async function readTableOptions(client: QueryClient, includesSchema: (schema: string) => boolean, out: InspectedDetails): Promise<void> {
  const { rows } = await client.query<TableRow>(
    `SELECT n.nspname, c.relname, c.relkind::text AS relkind, c.relpersistence::text AS relpersistence, c.reloptions,
            CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partkey,
            (SELECT pg_catalog.array_agg(pg_catalog.format('%I.%I', pn.nspname, p.relname) ORDER BY i.inhseqno)
               FROM pg_catalog.pg_inherits i
               JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
               JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
              WHERE i.inhrelid = c.oid AND NOT c.relispartition) AS inherits,
            am.amname AS access_method,
            CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END AS of_type
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
      WHERE c.relkind IN ('r', 'p') AND ${userSchema('n.nspname')}`,
  );
  for (const row of rows) {
    if (!includesSchema(row.nspname)) continue;
    const details: Record<string, string> = {};
    if (row.relpersistence === 'u') details.persistence = 'UNLOGGED';
    if (row.partkey) details['partition key'] = row.partkey;
    if (row.inherits && row.inherits.length > 0) details.inherits = row.inherits.join(', ');
    if (row.reloptions && row.reloptions.length > 0) details.options = [...row.reloptions].sort().join(', ');
    if (row.access_method && row.access_method !== 'heap') details['access method'] = row.access_method;
    if (row.of_type) details['of type'] = row.of_type;
    out.details.set(entryId('TABLE', row.nspname, row.relname), details);
  }
}

async function readExtensionVersions(client: QueryClient, out: InspectedDetails): Promise<void> {
  const { rows } = await client.query<{ extname: string; extversion: string }>(
    'SELECT extname, extversion FROM pg_catalog.pg_extension',
  );
  for (const row of rows) out.details.set(entryId('EXTENSION', null, row.extname), { version: row.extversion });
}

async function readEnumLabels(client: QueryClient, includesSchema: (schema: string) => boolean, out: InspectedDetails): Promise<void> {
  const { rows } = await client.query<{ nspname: string; typname: string; labels: string[] }>(
    `SELECT n.nspname, t.typname, pg_catalog.array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
       FROM pg_catalog.pg_enum e
       JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid
       JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      WHERE ${userSchema('n.nspname')}
      GROUP BY n.nspname, t.typname`,
  );
  for (const row of rows) {
    if (!includesSchema(row.nspname)) continue;
    out.details.set(entryId('TYPE', row.nspname, row.typname), { labels: JSON.stringify(row.labels) });
  }
}

/** Prefix of the details keys that hold a table's CHECK constraints written inside CREATE TABLE. */
export const checkDetailPrefix = 'check constraint ';

// Validated CHECK constraints are part of the native engine's CREATE TABLE, not
// entries of their own: compare them with the table, by name and definition.
async function readInlineChecks(client: QueryClient, includesSchema: (schema: string) => boolean, out: InspectedDetails): Promise<void> {
  const { rows } = await client.query<{ nspname: string; relname: string; conname: string; def: string }>(
    `SELECT n.nspname, c.relname, k.conname, pg_catalog.pg_get_constraintdef(k.oid) AS def
       FROM pg_catalog.pg_constraint k
       JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'c' AND k.convalidated AND (k.conislocal OR c.relispartition)
        AND c.relkind IN ('r', 'p') AND ${userSchema('n.nspname')}`,
  );
  for (const row of rows) {
    if (!includesSchema(row.nspname)) continue;
    const table = entryId('TABLE', row.nspname, row.relname);
    const details = out.details.get(table) ?? {};
    details[`${checkDetailPrefix}${quoteIdent(row.conname)}`] = row.def;
    out.details.set(table, details);
  }
}

interface SequenceRow extends SequenceParts {
  nspname: string;
  relname: string;
  identity_column: string | null;
}

// Sequences are compared by their options (type, increment, bounds, cache,
// cycle), never by their current value.
async function readSequenceOptions(client: QueryClient, includesSchema: (schema: string) => boolean, out: InspectedDetails): Promise<void> {
  const { rows } = await client.query<SequenceRow>(
    `SELECT n.nspname, c.relname, pg_catalog.format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start,
            s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache,
            s.seqcycle AS cycle,
            (SELECT pg_catalog.format('%I.%I ALTER COLUMN %I', tn.nspname, tc.relname, a.attname)
               FROM pg_catalog.pg_depend d
               JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
               JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
               JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
              WHERE d.classid = 1259 AND d.objid = c.oid AND d.refclassid = 1259 AND d.deptype = 'i') AS identity_column
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND ${userSchema('n.nspname')}`,
  );
  for (const row of rows) {
    if (!includesSchema(row.nspname)) continue;
    const details: Record<string, string> = { type: `AS ${row.type}`, cycle: 'NO CYCLE' };
    for (const line of sequenceOptionLines(row)) details[sequenceOptionKey(line)] = line;
    if (row.identity_column) details['identity of'] = row.identity_column;
    out.details.set(entryId('SEQUENCE', row.nspname, row.relname), details);
  }
}

/** `START WITH 5` → `start`, `NO MINVALUE` → `minvalue`: the details key of a sequence option line. */
function sequenceOptionKey(line: string): string {
  const words = line.split(' ');
  const word = words[0] === 'NO' ? words[1]! : words[0]!;
  return word.toLowerCase();
}
