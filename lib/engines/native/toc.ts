// The native engine's table of contents, modelled on pg_dump's: every object the
// catalog readers find becomes one entry with the SQL that creates it, the
// section it belongs to and what it depends on. The orderer sorts entries
// (section, then dependencies, then a stable kind/name order) and the writer
// prints them; readers never print anything themselves.

/** A catalog object by its pg_depend identity: the catalog (classid) and the row (objid). */
export interface ObjectRef {
  /** OID of the system catalog holding the object (pg_class, pg_proc, pg_type…). */
  classid: number;
  objid: number;
}

/** pg_dump's three sections: restoring them in order needs no superuser tricks. */
export type Section = 'pre-data' | 'data' | 'post-data';

/** What kind of object an entry creates; also the tie-break order within a section. */
export const entryKinds = [
  'SCHEMA',
  'EXTENSION',
  'PROCEDURAL LANGUAGE',
  'ACCESS METHOD',
  'COLLATION',
  'CONVERSION',
  /** `CREATE TYPE name;`: what a base type's I/O functions (or a range's canonical function) name before the type is complete. */
  'SHELL TYPE',
  'TYPE',
  'DOMAIN',
  'FUNCTION',
  'PROCEDURE',
  'AGGREGATE',
  'CAST',
  'TRANSFORM',
  'OPERATOR',
  'OPERATOR FAMILY',
  'OPERATOR CLASS',
  'TEXT SEARCH PARSER',
  'TEXT SEARCH TEMPLATE',
  'TEXT SEARCH DICTIONARY',
  'TEXT SEARCH CONFIGURATION',
  'FOREIGN DATA WRAPPER',
  'SERVER',
  'USER MAPPING',
  'SEQUENCE',
  'TABLE',
  'FOREIGN TABLE',
  'TABLE ATTACH',
  'DEFAULT',
  'SEQUENCE OWNED BY',
  'VIEW',
  'MATERIALIZED VIEW',
  'TABLE DATA',
  'SEQUENCE SET',
  'LARGE OBJECT',
  'CONSTRAINT',
  'INDEX',
  'INDEX ATTACH',
  'STATISTICS',
  'FK CONSTRAINT',
  'TRIGGER',
  'RULE',
  'POLICY',
  'ROW SECURITY',
  'PUBLICATION',
  'PUBLICATION TABLE',
  'PUBLICATION TABLES IN SCHEMA',
  'SUBSCRIPTION',
  /** Written after the grants (pg_dump's post-ACL pass), so it fires on none of the restore's own DDL. */
  'EVENT TRIGGER',
  'MATERIALIZED VIEW DATA',
  /** Optimizer statistics (pg_dump 18's `--with-statistics`): written last, see relation-statistics.ts. */
  'STATISTICS DATA',
  'COMMENT',
  'SECURITY LABEL',
  'OWNER',
  'ACL',
] as const;
export type EntryKind = (typeof entryKinds)[number];

/** One entry of the dump. */
export interface TocEntry {
  /** Unique within a dump, stable across runs: `TABLE "public"."orders"`. */
  id: string;
  kind: EntryKind;
  section: Section;
  /** Schema of the object, null for schemas, extensions, large objects, database-level entries. */
  schema: string | null;
  /** Object name as PostgreSQL shows it (unquoted), used for ordering and messages. */
  name: string;
  /** The catalog object this entry creates (null for entries that only decorate another). */
  ref: ObjectRef | null;
  /** Objects that must exist first (from pg_depend and what the reader knows). */
  dependsOn: ObjectRef[];
  /** Extra ordering when a ref does not say it all: ids of entries that must come first. */
  after?: string[];
  /** Complete SQL statements, each ending with `;` and a newline. Empty for data entries. */
  sql: string;
  /**
   * How a dependency loop through this entry is broken, should there be one
   * (views, as pg_dump's createDummyViewAsClause): `sql` creates a placeholder
   * in its stead, with the entry's id and ref and no dependencies but
   * `dependsOn`; a second entry `rest` (its ref: the part whose dependencies
   * make the loop) completes it once those exist.
   */
  split?: { sql: string; dependsOn: ObjectRef[]; rest: Omit<TocEntry, 'dependsOn' | 'split'> };
  /** Something the dump could not write as it is in the database (what, and what was written instead): the dump's warnings list it. */
  warning?: string;
  /** For `TABLE DATA`: the table to COPY and its column list (generated columns left out). */
  copy?: { schema: string; table: string; columns: string[]; estimatedBytes: number };
}

/** Options every catalog reader honours. */
export interface ReadOptions {
  /** Leave out ALTER … OWNER TO (pg_dump --no-owner). */
  noOwner: boolean;
  /** Leave out GRANT/REVOKE (pg_dump --no-privileges). */
  noPrivileges: boolean;
  /** Decides which schemas and tables are in the dump (profile schemas/tables patterns). */
  includesSchema(schema: string): boolean;
  includesTable(schema: string, table: string): boolean;
  /** The table's rows are dumped (false for exclude-table-data); defaults to includesTable. */
  includesData?(schema: string, table: string): boolean;
  /** The server's major version, for catalog columns that differ between versions. */
  serverMajor: number;
  /**
   * No schema or table pattern narrows the dump (pg_dump's include_everything):
   * objects outside schemas — casts, languages, event triggers, foreign data
   * wrappers and servers, publications — are in it. Defaults to true.
   */
  includesDatabaseObjects?: boolean;
  /**
   * The catalogs that hold anything to read (readCatalog asks once, first): readers
   * and view branches over catalogs that hold nothing are skipped. Absent: all are read.
   */
  present?: import('./catalog/presence.js').CatalogPresence;
}

/**
 * Reads one family of catalog objects into entries. Runs inside the dump's
 * REPEATABLE READ snapshot with `search_path = ''` (so the server's own
 * pg_get_*def functions qualify every name). `ref` must be set on entries that
 * create a catalog object: the orderer resolves dependencies from pg_depend by it.
 */
export type CatalogReader = (client: import('../../db/client.js').QueryClient, options: ReadOptions) => Promise<TocEntry[]>;
