// Runs the table-family catalog readers the way the native engine does (one
// REPEATABLE READ, READ ONLY transaction with search_path = ''), orders their
// entries with the engine's orderer and returns them with the script they make.
import pg from 'pg';
import type { QueryClient } from '../../../../lib/db/client.js';
import { readCollations } from '../../../../lib/engines/native/catalog/collations.js';
import { readConstraints } from '../../../../lib/engines/native/catalog/constraints.js';
import { readExtensions } from '../../../../lib/engines/native/catalog/extensions.js';
import { readIndexes } from '../../../../lib/engines/native/catalog/indexes.js';
import { readPartitions } from '../../../../lib/engines/native/catalog/partitions.js';
import { readSchemas } from '../../../../lib/engines/native/catalog/schemas.js';
import { readSequences } from '../../../../lib/engines/native/catalog/sequences.js';
import { readTables } from '../../../../lib/engines/native/catalog/tables.js';
import { readTypes } from '../../../../lib/engines/native/catalog/types.js';
import { readViews } from '../../../../lib/engines/native/catalog/views.js';
import { readDependencies } from '../../../../lib/engines/native/dependencies.js';
import { orderEntries } from '../../../../lib/engines/native/order.js';
import type { CatalogReader, ReadOptions, TocEntry } from '../../../../lib/engines/native/toc.js';

export const tableFamilyReaders: CatalogReader[] = [
  readSchemas,
  readExtensions,
  readCollations,
  readTypes,
  readSequences,
  readTables,
  readPartitions,
  readConstraints,
  readIndexes,
  readViews,
];

export interface FamilyDump {
  entries: TocEntry[];
  warnings: string[];
  /** The pre-data and post-data SQL in order (data entries have none). */
  script: string;
}

export function allOptions(serverMajor: number, overrides: Partial<ReadOptions> = {}): ReadOptions {
  return {
    noOwner: true,
    noPrivileges: true,
    includesSchema: () => true,
    includesTable: () => true,
    serverMajor,
    ...overrides,
  };
}

/** Reads one database through the readers inside the dump's snapshot. */
export async function readFamilies(connection: pg.ClientConfig, options: ReadOptions): Promise<FamilyDump> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query("SET LOCAL search_path = ''");
    const queryClient = client as unknown as QueryClient;
    const entries: TocEntry[] = [];
    for (const reader of tableFamilyReaders) entries.push(...(await reader(queryClient, options)));
    const graph = await readDependencies(queryClient);
    await client.query('COMMIT');
    const ordered = orderEntries(entries, graph);
    const script = ordered.entries.map((entry) => entry.sql).join('');
    return { entries: ordered.entries, warnings: ordered.warnings, script };
  } finally {
    await client.end();
  }
}

/** The header a restore script needs for these entries (pg_dump sets the same). */
export const scriptHeader = [
  "SET client_encoding = 'UTF8';",
  'SET standard_conforming_strings = on;',
  "SELECT pg_catalog.set_config('search_path', '', false);",
  'SET check_function_bodies = false;',
  'SET client_min_messages = warning;',
  '',
].join('\n');
