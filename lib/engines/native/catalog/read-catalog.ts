// Reading the catalog: every reader in the caller's snapshot (what a native dump
// does before it writes), and the whole read as compare needs it — session set
// up, readers run, entries ordered as a native dump writes them.
import type { QueryClient } from '../../../db/client.js';
import { describePgError } from '../../../db/errors.js';
import { sharingClient } from '../../../db/query-record.js';
import { PgbakError, isPgbakError } from '../../../errors.js';
import type { PgbakLogger } from '../../../log/index.js';
import { emptyDependencyGraph, readDependencies } from '../dependencies.js';
import { orderEntries } from '../order.js';
import { configureDumpSession } from '../session-setup.js';
import type { CatalogReader, ReadOptions, TocEntry } from '../toc.js';
import { mayHold, readCatalogPresence, type CatalogPresence } from './presence.js';
import { catalogReaders, readerCatalogs } from './readers.js';

/** Runs every reader in the caller's snapshot; a failure names the reader (compare's inspector reads the same way). */
export async function readCatalog(client: QueryClient, readers: readonly CatalogReader[], readOptions: ReadOptions, logger?: PgbakLogger): Promise<TocEntry[]> {
  const entries: TocEntry[] = [];
  // Readers that ask the same query (the decorated objects) get one answer per read.
  const shared = sharingClient(client);
  const options = { ...readOptions, present: readOptions.present ?? (await readPresence(shared)) };
  for (const reader of readers) {
    const catalogs = readerCatalogs.get(reader);
    if (catalogs && !mayHold(options.present, catalogs)) continue;
    try {
      entries.push(...(await reader(shared, options)));
    } catch (error) {
      if (isPgbakError(error)) throw error;
      const name = reader.name || 'a catalog reader';
      if ((error as { code?: string }).code) throw describePgError(error, `reading the catalog (${name}): `);
      throw new PgbakError('INTERNAL', `reading the catalog (${name}) failed: ${(error as Error).message}`, { cause: error });
    }
  }
  logger?.verbose(`native dump: ${entries.length} catalog entries`);
  return entries;
}

async function readPresence(client: QueryClient) {
  try {
    return await readCatalogPresence(client);
  } catch (error) {
    throw describePgError(error, 'reading the catalog (which catalogs hold objects): ');
  }
}

/** What the readers are told; the server's major version is found by `inspectCatalog` itself. */
export type InspectCatalogOptions = Omit<ReadOptions, 'serverMajor'>;

/** One database's catalog, as a native dump of it would write it. */
export interface InspectedCatalog {
  /** `server_version`, e.g. `15.8`. */
  serverVersion: string;
  /** The major version (15 for 15.8), from `server_version_num`. */
  serverMajor: number;
  /** Every entry the readers returned (ids, kinds, pg_dump-form SQL), in the order a native dump writes them. */
  entries: TocEntry[];
  /** Dependency loops the ordering broke, one line each. */
  warnings: string[];
  /** The catalogs found to hold something, as the readers were told (compare's details ask the same queries). */
  present: CatalogPresence;
}

/**
 * Reads the catalog of the database `client` is connected to with every reader
 * of the native engine and orders the entries. `client` must be inside a
 * transaction (the caller's snapshot): the session is set up as a native
 * dump's (empty search_path, pg_dump's settings) with SET LOCAL, so the
 * settings last until that transaction ends. Needs only a SELECT-only role.
 */
export async function inspectCatalog(client: QueryClient, options: InspectCatalogOptions): Promise<InspectedCatalog> {
  await configureDumpSession(client);
  const { rows } = await client.query<{ version: string; num: string }>(
    "SELECT pg_catalog.current_setting('server_version') AS version, pg_catalog.current_setting('server_version_num') AS num",
  );
  const serverVersion = rows[0]!.version;
  const serverMajor = Math.floor(Number(rows[0]!.num) / 10000);
  const present = options.present ?? (await readPresence(client));
  const entries = await readCatalog(client, catalogReaders, { ...options, serverMajor, present });
  // An empty catalog (a new database) has nothing to order.
  const ordered = orderEntries(entries, entries.length === 0 ? emptyDependencyGraph() : await readDependencies(client));
  return { serverVersion, serverMajor, entries: ordered.entries, warnings: ordered.warnings, present };
}
