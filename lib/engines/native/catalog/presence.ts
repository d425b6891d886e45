// Which catalogs hold anything a dump could write, asked once before the readers
// run: a small database has no functions, operators, casts, text search objects…
// of its own, and the reader queries that would find none of them (and the branches
// of the decorated-objects view over them) are most of what reading its catalog
// costs the server — in a fleet of small databases, per database, in a fresh backend.
import type { QueryClient } from '../../../db/client.js';
import { currentDatabaseSubscription } from './subscriptions.js';
import { userSchema } from './table-sql.js';

/**
 * A catalog (or a kind of object in pg_type and pg_class) that may hold objects a reader writes. Each test is a superset of
 * what the readers over that catalog select (any schema but pg_catalog and
 * information_schema, or the readers' own `oid >= 16384`, or any row at all),
 * so a catalog marked absent holds nothing any of them would return.
 */
export type PresenceKey = keyof typeof tests;

/** The catalogs found to hold something; a reader or view branch whose catalogs are all absent is not run. */
export type CatalogPresence = ReadonlySet<PresenceKey>;

// Schemas other than the two system ones hold user objects (pg_toast and temporary
// schemas too: wider than every reader's user-schema test, never narrower).
const inSchemas = (catalog: string, column: string) =>
  `EXISTS (SELECT FROM pg_catalog.${catalog} o WHERE o.${column} <> ALL (s.system))`;
// Readers of catalogs without schemas keep to objects made after initdb (FirstNormalObjectId).
const madeByUser = (catalog: string) => `EXISTS (SELECT FROM pg_catalog.${catalog} o WHERE o.oid >= 16384)`;
const anyRow = (catalog: string, where = 'true') => `EXISTS (SELECT FROM pg_catalog.${catalog} s WHERE ${where})`;

const tests = {
  pg_proc: inSchemas('pg_proc', 'pronamespace'),
  pg_operator: inSchemas('pg_operator', 'oprnamespace'),
  pg_opfamily: inSchemas('pg_opfamily', 'opfnamespace'),
  pg_opclass: inSchemas('pg_opclass', 'opcnamespace'),
  pg_collation: inSchemas('pg_collation', 'collnamespace'),
  pg_conversion: inSchemas('pg_conversion', 'connamespace'),
  pg_statistic_ext: inSchemas('pg_statistic_ext', 'stxnamespace'),
  pg_ts_parser: inSchemas('pg_ts_parser', 'prsnamespace'),
  pg_ts_template: inSchemas('pg_ts_template', 'tmplnamespace'),
  pg_ts_dict: inSchemas('pg_ts_dict', 'dictnamespace'),
  pg_ts_config: inSchemas('pg_ts_config', 'cfgnamespace'),
  // Types the readers write: not a table's row type, not an array type that comes with its element type.
  pg_type: `EXISTS (SELECT FROM pg_catalog.pg_type o WHERE o.typnamespace <> ALL (s.system)
    AND (o.typtype IN ('d', 'e', 'r')
      OR (o.typtype = 'b' AND NOT EXISTS (SELECT FROM pg_catalog.pg_type e WHERE e.oid = o.typelem AND e.typarray = o.oid))
      OR (o.typtype = 'c' AND EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = o.typrelid AND c.relkind = 'c'))))`,
  views: `EXISTS (SELECT FROM pg_catalog.pg_class o WHERE o.relkind IN ('v', 'm') AND o.relnamespace <> ALL (s.system))`,
  partitions: anyRow('pg_class', 's.relispartition'),
  row_security: anyRow('pg_class', 's.relrowsecurity OR s.relforcerowsecurity'),
  pg_extension: madeByUser('pg_extension'),
  pg_cast: madeByUser('pg_cast'),
  pg_language: madeByUser('pg_language'),
  pg_transform: madeByUser('pg_transform'),
  pg_am: madeByUser('pg_am'),
  pg_foreign_data_wrapper: madeByUser('pg_foreign_data_wrapper'),
  pg_foreign_server: anyRow('pg_foreign_server'),
  pg_trigger: anyRow('pg_trigger'),
  pg_policy: anyRow('pg_policy'),
  // Every view has its _RETURN rule, which the readers leave out, and pg_settings has two rules of its own.
  pg_rewrite: `EXISTS (SELECT FROM pg_catalog.pg_rewrite o JOIN pg_catalog.pg_class c ON c.oid = o.ev_class
    WHERE o.rulename <> '_RETURN' AND c.relnamespace <> ALL (s.system))`,
  pg_event_trigger: anyRow('pg_event_trigger'),
  pg_publication: anyRow('pg_publication'),
  pg_subscription: anyRow('pg_subscription', currentDatabaseSubscription),
  // Foreign keys (none on the system catalogs): without any, the constraints reader leaves out the referenced side.
  foreign_keys: anyRow('pg_constraint', "s.contype = 'f'"),
  // Tables, sequences and materialized views of user schemas (not pg_toast's 't' and 'i'): an empty database has none.
  relations: `EXISTS (SELECT FROM pg_catalog.pg_class o WHERE o.relkind IN ('r', 'p', 'f', 'S', 'm') AND o.relnamespace <> ALL (s.system))`,
  // Schemas the schemas reader writes: every user schema but public.
  schemas: anyRow('pg_namespace', `${userSchema('s.nspname')} AND s.nspname <> 'public'`),
  // Inheritance and partitioning: without any, the readers leave out their parent lookups.
  pg_inherits: anyRow('pg_inherits'),
  // A large object may be given any OID (lo_create(oid)).
  pg_largeobject_metadata: anyRow('pg_largeobject_metadata'),
} as const;

const presenceKeys = Object.keys(tests) as PresenceKey[];

const presenceQuery = `SELECT ${presenceKeys.map((key) => `${tests[key]} AS ${key}`).join(',\n  ')}
FROM (SELECT pg_catalog.array_agg(n.oid) AS system FROM pg_catalog.pg_namespace n
       WHERE n.nspname IN ('pg_catalog', 'information_schema')) s`;

/** One round trip: the catalogs that hold something the readers could write. */
export async function readCatalogPresence(client: QueryClient): Promise<CatalogPresence> {
  const { rows } = await client.query<Record<PresenceKey, boolean>>(presenceQuery);
  const row = rows[0]!;
  return new Set(presenceKeys.filter((key) => row[key]));
}

/** Whether something may be found in `catalogs` (no presence read: everything may). */
export function mayHold(present: CatalogPresence | undefined, catalogs: readonly PresenceKey[]): boolean {
  return present === undefined || catalogs.some((catalog) => present.has(catalog));
}

/** Every catalog marked as holding something: readers and view branches all run (as with no presence read). */
export const everyCatalog: CatalogPresence = new Set(presenceKeys);
