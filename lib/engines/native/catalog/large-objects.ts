// Large object metadata: `SELECT pg_catalog.lo_create(oid)` in pre-data, as
// pg_dump's BLOB entries, so the data streamer's writes, owners, grants and
// comments find each large object under its original OID.
import type { QueryClient } from '../../../db/client.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { makeEntry, toRef } from './fn-entry.js';
import { catalogOid } from './fn-sql.js';

interface LargeObjectRow {
  classid: number;
  oid: number;
}

const largeObjectsQuery = `SELECT ${catalogOid('pg_largeobject')} AS classid, m.oid
FROM pg_catalog.pg_largeobject_metadata m ORDER BY m.oid`;

/** `LARGE OBJECT 16401`: the id of a large object's entry. */
export function largeObjectEntryId(oid: number): string {
  return `LARGE OBJECT ${oid}`;
}

/** One entry per large object; which dump kinds keep them is decided when entries are selected. */
export const readLargeObjects: CatalogReader = async (client: QueryClient) => {
  const { rows } = await client.query<LargeObjectRow>(largeObjectsQuery);
  const entries: TocEntry[] = [];
  for (const row of rows) {
    entries.push(
      makeEntry({
        id: largeObjectEntryId(row.oid),
        kind: 'LARGE OBJECT',
        section: 'pre-data',
        schema: null,
        name: String(row.oid),
        ref: toRef(row.classid, row.oid),
        sql: `SELECT pg_catalog.lo_create('${Number(row.oid)}');\n`,
      }),
    );
  }
  return entries;
};
