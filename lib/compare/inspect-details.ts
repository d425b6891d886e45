// What compare needs beyond the native engine's entries: each column's
// attributes one by one (the CREATE TABLE text would mix them together), table
// options, extension versions and enum labels. Read in the same snapshot as the
// entries, with the same schema filter: columns, table options, inline checks and
// sequence options from the rows of the native readers themselves, asked through the
// catalog read's sharing client (answered from its record, no query to the server).
import type { QueryClient } from '../db/client.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import {
  entryId,
  readColumnRows,
  readInlineChecks as readInlineCheckRows,
  readSequenceRows,
  readTableRows,
  sequenceOptionLines,
  userSchema,
  type CatalogPresence,
  type EntryKind,
  type TableRow,
} from '../engines/native/catalog/index.js';
import type { ModelColumn } from './model.js';

/** What the catalog read was told: the readers' queries are asked again with the same texts. */
export interface CatalogRead {
  serverMajor: number;
  present: CatalogPresence;
}

/** Facts keyed by the native entry id of the object they belong to. */
export interface InspectedDetails {
  /** `TABLE "s"."t"` → its columns in attnum order. */
  columns: Map<string, ModelColumn[]>;
  /** `TABLE "s"."t"`, `EXTENSION "x"`, `TYPE "s"."e"` → compared facts. */
  details: Map<string, Record<string, string>>;
  /** `DEFAULT "s"."t" "c"` → `TABLE "s"."t"` for defaults of tables. */
  defaultOwners: Map<string, string>;
}

/**
 * Reads columns, table options, extension versions and enum labels of the included schemas.
 * `kinds`: the kinds of the entries read (default: all). Details are only ever looked up
 * for an entry (inspect.ts toModelObject), so a query whose facts would belong to a kind
 * no entry has is not sent: every query is planned afresh in the dump's new session, and
 * with many small databases that is most of what the model costs the server.
 */
export async function readInspectedDetails(
  client: QueryClient,
  includesSchema: (schema: string) => boolean,
  catalog: CatalogRead,
  kinds?: ReadonlySet<EntryKind>,
): Promise<InspectedDetails> {
  const result: InspectedDetails = { columns: new Map(), details: new Map(), defaultOwners: new Map() };
  const has = (kind: EntryKind) => kinds === undefined || kinds.has(kind);
  // Columns give the TABLE entries their columns and the DEFAULT entries their table.
  const tables = has('TABLE') || has('DEFAULT') ? new Map((await readTableRows(client, catalog.present)).map((row) => [Number(row.oid), row])) : new Map<number, TableRow>();
  if (has('TABLE') || has('DEFAULT')) await readColumns(client, tables, includesSchema, catalog, result);
  if (has('TABLE')) readTableOptions(tables, includesSchema, result);
  if (has('EXTENSION')) await readExtensionVersions(client, result);
  if (has('TYPE')) await readEnumLabels(client, includesSchema, result);
  if (has('TABLE')) await readInlineChecks(client, tables, includesSchema, result);
  if (has('SEQUENCE')) await readSequenceOptions(client, includesSchema, result);
  return result;
}

// Tables that are extension members have no entry, so no columns are looked up for them.
async function readColumns(
  client: QueryClient,
  tables: ReadonlyMap<number, TableRow>,
  includesSchema: (schema: string) => boolean,
  catalog: CatalogRead,
  out: InspectedDetails,
): Promise<void> {
  for (const row of await readColumnRows(client, catalog.serverMajor, catalog.present)) {
    const owner = tables.get(Number(row.attrelid));
    if (!owner || !includesSchema(owner.nspname)) continue;
    const table = entryId('TABLE', owner.nspname, owner.relname);
    const list = out.columns.get(table) ?? [];
    list.push({
      name: row.attname,
      type: row.type,
      notNull: row.attnotnull,
      default: row.default,
      identity: row.attidentity === 'a' ? 'ALWAYS' : row.attidentity === 'd' ? 'BY DEFAULT' : null,
      generated: row.generated,
      collation: row.coll_nsp !== null && row.coll_name !== null ? quoteQualified(row.coll_nsp, row.coll_name) : null,
    });
    out.columns.set(table, list);
    if (row.default !== null) out.defaultOwners.set(entryId('DEFAULT', owner.nspname, owner.relname, row.attname), table);
  }
}

function readTableOptions(tables: ReadonlyMap<number, TableRow>, includesSchema: (schema: string) => boolean, out: InspectedDetails): void {
  for (const row of tables.values()) {
    if ((row.relkind !== 'r' && row.relkind !== 'p') || !includesSchema(row.nspname)) continue;
    const details: Record<string, string> = {};
    if (row.relpersistence === 'u') details.persistence = 'UNLOGGED';
    if (row.partkey) details['partition key'] = row.partkey;
    const inherits = row.relispartition ? [] : (row.parents ?? []).map(([, , , formatted]) => formatted);
    if (inherits.length > 0) details.inherits = inherits.join(', ');
    if (row.reloptions && row.reloptions.length > 0) details.options = [...row.reloptions].sort().join(', ');
    // The reader leaves heap (and a relation without one) out, as this detail does.
    if (row.am) details['access method'] = row.am;
    if (row.oftype) details['of type'] = row.oftype;
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
async function readInlineChecks(
  client: QueryClient,
  tables: ReadonlyMap<number, TableRow>,
  includesSchema: (schema: string) => boolean,
  out: InspectedDetails,
): Promise<void> {
  for (const [oid, checks] of await readInlineCheckRows(client)) {
    const owner = tables.get(oid);
    if (!owner || (owner.relkind !== 'r' && owner.relkind !== 'p') || !includesSchema(owner.nspname)) continue;
    const table = entryId('TABLE', owner.nspname, owner.relname);
    const details = out.details.get(table) ?? {};
    for (const check of checks) details[`${checkDetailPrefix}${quoteIdent(check.name)}`] = check.definition;
    out.details.set(table, details);
  }
}

// Sequences are compared by their options (type, increment, bounds, cache,
// cycle), never by their current value.
async function readSequenceOptions(client: QueryClient, includesSchema: (schema: string) => boolean, out: InspectedDetails): Promise<void> {
  for (const row of await readSequenceRows(client)) {
    if (!includesSchema(row.nspname)) continue;
    const id = entryId('SEQUENCE', row.nspname, row.relname);
    // A sequence joined to more than one owning column comes once per column: the identity one counts.
    const known = out.details.get(id);
    if (known) {
      if (row.identity_of && !known['identity of']) known['identity of'] = row.identity_of;
      continue;
    }
    const details: Record<string, string> = { type: `AS ${row.type}`, cycle: 'NO CYCLE' };
    for (const line of sequenceOptionLines(row)) details[sequenceOptionKey(line)] = line;
    if (row.identity_of) details['identity of'] = row.identity_of;
    out.details.set(id, details);
  }
}

/** `START WITH 5` → `start`, `NO MINVALUE` → `minvalue`: the details key of a sequence option line. */
function sequenceOptionKey(line: string): string {
  const words = line.split(' ');
  const word = words[0] === 'NO' ? words[1]! : words[0]!;
  return word.toLowerCase();
}
