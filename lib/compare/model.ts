// The schema model compare works on: what the native catalog inspector reads of
// one database, as plain JSON with no OIDs, so a model read today from a live
// database and one stored in a backup last month compare the same way.
import * as z from 'zod';

/** Bumped when a field changes meaning; readers refuse a version they do not know. */
export const SCHEMA_MODEL_VERSION = 1;

/** One column of a table, with every attribute compare looks at. */
export interface ModelColumn {
  name: string;
  /** format_type() of the column's type, e.g. `numeric(12,2)`. */
  type: string;
  notNull: boolean;
  /** The default expression (pg_get_expr), null when none. */
  default: string | null;
  /** `ALWAYS` or `BY DEFAULT` for identity columns, else null. */
  identity: string | null;
  /** The generation expression of a stored generated column, else null. */
  generated: string | null;
  /** The column's collation when it differs from its type's, quoted and qualified. */
  collation: string | null;
}

/** One object of the database: a table, an index, a function, a comment… */
export interface ModelObject {
  /** The native engine's stable entry id, e.g. `TABLE "public"."orders"`; unique in a model. */
  id: string;
  /** The native engine's entry kind (`TABLE`, `INDEX`, `FK CONSTRAINT`, `COMMENT`…). */
  kind: string;
  /** Schema of the object, null for schemas, extensions and other database-wide objects. */
  schema: string | null;
  /** Name as PostgreSQL shows it (for table members: `table name`). */
  name: string;
  /** The SQL that creates the object, as the native engine (and pg_dump) writes it. */
  sql: string;
  /** Tables only: their columns in attnum order. */
  columns?: ModelColumn[];
  /** Further compared facts that the SQL does not carry (extension version, enum labels, table options). */
  details?: Record<string, string>;
  /** Tables only for DEFAULT entries: the id of the table the entry belongs to. */
  table?: string;
}

/** What one side of a comparison is: a database read live, or the model stored in a backup. */
export interface SchemaModel {
  modelVersion: typeof SCHEMA_MODEL_VERSION;
  database: string;
  /** `server_version` of the server read. */
  serverVersion: string;
  serverMajor: number;
  /** The schemas the model was limited to (null: every user schema). */
  schemas: string[] | null;
  /** When it was read, ISO 8601 UTC. */
  readAt: string;
  /** Objects in the native engine's dump order: everything an object needs comes before it. */
  objects: ModelObject[];
}

function buildSchemaModelSchema() {
  const columnSchema = z
    .object({
      name: z.string(),
      type: z.string(),
      notNull: z.boolean(),
      default: z.string().nullable(),
      identity: z.string().nullable(),
      generated: z.string().nullable(),
      collation: z.string().nullable(),
    })
    .strict();

  const objectSchema = z
    .object({
      id: z.string(),
      kind: z.string(),
      schema: z.string().nullable(),
      name: z.string(),
      sql: z.string(),
      columns: z.array(columnSchema).optional(),
      details: z.record(z.string(), z.string()).optional(),
      table: z.string().optional(),
    })
    .strict();

  return z
    .object({
      modelVersion: z.literal(SCHEMA_MODEL_VERSION),
      database: z.string(),
      serverVersion: z.string(),
      serverMajor: z.number().int(),
      schemas: z.array(z.string()).nullable(),
      readAt: z.string(),
      objects: z.array(objectSchema),
    })
    .strict();
}

let builtSchemaModelSchema: ReturnType<typeof buildSchemaModelSchema> | undefined;

/**
 * Validates a model read from a file (a backup's schema-model entry). Built on first use: a
 * run writes models and never reads one back, and building it was ~1 ms of every start.
 */
export function schemaModelSchema(): ReturnType<typeof buildSchemaModelSchema> {
  return (builtSchemaModelSchema ??= buildSchemaModelSchema());
}
