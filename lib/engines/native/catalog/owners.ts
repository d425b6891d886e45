// ALTER … OWNER TO for every owned object of the dump. pg_dump writes these
// inside each object's entry; here each is its own OWNER entry that the orderer
// places after the object, which restores the same ownership.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import {
  decorationOrder,
  decorationSection,
  isDecoratedObjectIncluded,
  objectSqlName,
  type DecoratedKind,
  type DecoratedObject,
} from './acl-objects.js';
import { decoratedObject, readDecorations } from './decorations.js';
import { makeEntry } from './fn-entry.js';

// CREATE DATABASE makes pg_database_owner own the public schema: nothing to restore then.
const PUBLIC_SCHEMA_DEFAULT_OWNER = 'pg_database_owner';

/** The `ALTER <keyword>` for each kind that has an owner of its own (pg_dump's choice of keyword). */
const alterKeyword: Partial<Record<DecoratedKind, string>> = {
  SCHEMA: 'SCHEMA',
  TABLE: 'TABLE',
  VIEW: 'TABLE',
  'MATERIALIZED VIEW': 'TABLE',
  SEQUENCE: 'TABLE',
  'FOREIGN TABLE': 'FOREIGN TABLE',
  TYPE: 'TYPE',
  DOMAIN: 'DOMAIN',
  COLLATION: 'COLLATION',
  FUNCTION: 'FUNCTION',
  PROCEDURE: 'PROCEDURE',
  AGGREGATE: 'AGGREGATE',
  'LARGE OBJECT': 'LARGE OBJECT',
  STATISTICS: 'STATISTICS',
  LANGUAGE: 'LANGUAGE',
  'TEXT SEARCH DICTIONARY': 'TEXT SEARCH DICTIONARY',
  'TEXT SEARCH CONFIGURATION': 'TEXT SEARCH CONFIGURATION',
  OPERATOR: 'OPERATOR',
  'OPERATOR FAMILY': 'OPERATOR FAMILY',
  'OPERATOR CLASS': 'OPERATOR CLASS',
  'FOREIGN DATA WRAPPER': 'FOREIGN DATA WRAPPER',
  SERVER: 'SERVER',
  CONVERSION: 'CONVERSION',
  PUBLICATION: 'PUBLICATION',
  SUBSCRIPTION: 'SUBSCRIPTION',
};

/** ALTER … OWNER TO for each owned object in the dump; nothing with noOwner. */
export const readOwners: CatalogReader = async (client: QueryClient, options) => {
  if (options.noOwner) return [];
  const rows = (await readDecorations(client, options.present)).filter((row) => row.owner !== null).map(decoratedObject);
  const entries: TocEntry[] = [];
  for (const row of rows) {
    if (!isDecoratedObjectIncluded(row, options)) continue;
    const sql = ownerSql(row);
    if (sql === null) continue;
    const order = decorationOrder(row);
    entries.push(
      makeEntry({
        id: ownerEntryId(row),
        kind: 'OWNER',
        section: decorationSection(row.kind),
        schema: row.schema,
        name: row.name,
        ref: null,
        dependsOn: order.dependsOn,
        after: order.after,
        sql,
      }),
    );
  }
  return entries;
};

/** `OWNER TABLE "s"."t"`: the id of an object's OWNER entry (ACL entries come after it). */
export function ownerEntryId(object: DecoratedObject): string {
  return `OWNER ${object.kind} ${objectSqlName(object)}`;
}

/** The statement, or null for kinds without ALTER … OWNER and for the public schema's stock owner. */
export function ownerSql(object: DecoratedObject): string | null {
  const keyword = alterKeyword[object.kind];
  if (!keyword || object.owner === null || object.identity_sequence) return null;
  if (object.kind === 'SCHEMA' && object.name === 'public' && object.owner === PUBLIC_SCHEMA_DEFAULT_OWNER) return null;
  return `ALTER ${keyword} ${objectSqlName(object)} OWNER TO ${quoteIdent(object.owner)};\n`;
}
