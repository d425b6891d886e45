// Reads one database into a SchemaModel with the native engine's catalog
// readers: the same queries, ids and pg_dump-form SQL a native backup uses, in
// one REPEATABLE READ snapshot, needing only a SELECT-only role.
import type { QueryClient } from '../db/client.js';
import { describePgError } from '../db/errors.js';
import { sharingClient } from '../db/query-record.js';
import { inspectCatalog, type EntryKind, type TocEntry } from '../engines/native/catalog/index.js';
import { readInspectedDetails, type InspectedDetails } from './inspect-details.js';
import { SCHEMA_MODEL_VERSION, type ModelObject, type SchemaModel } from './model.js';

export interface InspectOptions {
  /** Only these schemas (null or empty: every user schema). */
  schemas?: readonly string[] | null;
  /** The database name recorded in the model. */
  database: string;
}

/** Entries that carry data or its state, not the schema's shape. */
const dataKinds: ReadonlySet<EntryKind> = new Set(['TABLE DATA', 'SEQUENCE SET', 'LARGE OBJECT', 'MATERIALIZED VIEW DATA']);

/**
 * Reads the schema model of the database `client` is connected to. `client`
 * must be inside a transaction (the caller's snapshot): the session is set up
 * as the native engine's (empty search_path, pg_dump's settings) for its
 * duration only.
 */
export async function inspectSchema(client: QueryClient, options: InspectOptions): Promise<SchemaModel> {
  const schemas = options.schemas && options.schemas.length > 0 ? [...new Set(options.schemas)].sort() : null;
  const includesSchema = (schema: string) => schemas === null || schemas.includes(schema);
  // One sharing client for the readers and the details: the details are read from the readers' own rows.
  const shared = sharingClient(client);
  const { serverVersion, serverMajor, entries, present } = await inspectCatalog(shared, {
    noOwner: false,
    noPrivileges: false,
    includesSchema,
    includesTable: (schema) => includesSchema(schema),
    includesData: () => false,
  });
  const details = await readInspectedDetails(shared, includesSchema, { serverMajor, present }, new Set(entries.map((entry) => entry.kind)));
  return {
    modelVersion: SCHEMA_MODEL_VERSION,
    database: options.database,
    serverVersion,
    serverMajor,
    schemas,
    readAt: new Date().toISOString(),
    objects: entries.filter((entry) => !dataKinds.has(entry.kind) && !isLargeObjectDecoration(entry)).map((entry) => toModelObject(entry, details)),
  };
}

/**
 * Opens a REPEATABLE READ, READ ONLY transaction on `client`, reads the model
 * and ends the transaction: what `compare` does with a live database.
 */
export async function inspectDatabase(client: QueryClient, options: InspectOptions): Promise<SchemaModel> {
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  } catch (error) {
    throw describePgError(error, `reading the schema of "${options.database}": `);
  }
  try {
    return await inspectSchema(client, options);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

// Comments, owners and grants of large objects describe data, like the objects themselves.
function isLargeObjectDecoration(entry: TocEntry): boolean {
  return (entry.kind === 'COMMENT' || entry.kind === 'OWNER' || entry.kind === 'ACL') && entry.id.startsWith(`${entry.kind} LARGE OBJECT `);
}

function toModelObject(entry: TocEntry, facts: InspectedDetails): ModelObject {
  const object: ModelObject = { id: entry.id, kind: entry.kind, schema: entry.schema, name: entry.name, sql: entry.sql };
  const columns = entry.kind === 'TABLE' ? facts.columns.get(entry.id) : undefined;
  if (columns) object.columns = columns;
  const details = facts.details.get(entry.id);
  if (details && (entry.kind === 'TABLE' || entry.kind === 'EXTENSION' || entry.kind === 'TYPE' || entry.kind === 'SEQUENCE')) object.details = details;
  const table = entry.kind === 'DEFAULT' ? facts.defaultOwners.get(entry.id) : undefined;
  if (table) object.table = table;
  return object;
}
