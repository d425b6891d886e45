// COMMENT ON for every commented object of the dump, with pg_dump's syntax per
// kind. Each comment is its own entry, ordered after the object it describes.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteLiteral } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import {
  commentKeyword,
  decorationOrder,
  decorationSection,
  isDecoratedObjectIncluded,
  objectSqlName,
  type DecoratedObject,
} from './acl-objects.js';
import { decoratedObject, readDecorations, type DecorationRow } from './decorations.js';
import { makeEntry } from './fn-entry.js';

export interface CommentRow extends DecoratedObject {
  /** 0 for the object itself, else the column number. */
  objsubid: number;
  column: string | null;
  description: string | null;
}

// What `CREATE DATABASE` gives the public schema: no statement needed to restore it.
const PUBLIC_SCHEMA_DEFAULT_COMMENT = 'standard public schema';

/** One row per comment, and the public schema's whether commented or not (a new database's has one). */
function commentRows(objects: readonly DecorationRow[]): CommentRow[] {
  const rows: CommentRow[] = [];
  for (const row of objects) {
    const object = decoratedObject(row);
    for (const part of row.comments ?? []) rows.push({ ...object, ...part });
    if (row.comments === null && object.kind === 'SCHEMA' && object.name === 'public') rows.push({ ...object, objsubid: 0, column: null, description: null });
  }
  return rows;
}

/** COMMENT ON … IS … for each commented object in the dump. */
export const readComments: CatalogReader = async (client: QueryClient, options) => {
  const rows = commentRows(await readDecorations(client, options.present));
  const entries: TocEntry[] = [];
  for (const row of rows) {
    if (!isDecoratedObjectIncluded(row, options)) continue;
    const sql = commentSql(row);
    if (sql === null) continue;
    const order = decorationOrder(row);
    entries.push(
      makeEntry({
        id: `COMMENT ${commentTarget(row)}`,
        kind: 'COMMENT',
        section: decorationSection(row.kind),
        schema: row.schema,
        name: row.objsubid > 0 ? `${row.name}.${row.column}` : row.name,
        ref: null,
        dependsOn: order.dependsOn,
        after: order.after,
        sql,
      }),
    );
  }
  return entries;
};

/**
 * The statement for one row, or null when none is needed: the public schema
 * with its stock comment, and the table row of a composite type (COMMENT ON TYPE
 * goes through pg_type). The public schema without a comment gets `IS ''`, as
 * pg_dump writes it, since a new database's public schema has one.
 */
export function commentSql(row: CommentRow): string | null {
  if (row.kind === 'COMPOSITE' && row.objsubid === 0) return null;
  if (row.kind === 'SCHEMA' && row.name === 'public') {
    if (row.description === PUBLIC_SCHEMA_DEFAULT_COMMENT) return null;
    return `COMMENT ON SCHEMA ${quoteIdent('public')} IS ${quoteLiteral(row.description ?? '')};\n`;
  }
  if (row.description === null) return null;
  return `COMMENT ON ${commentTarget(row)} IS ${quoteLiteral(row.description)};\n`;
}

/** What follows COMMENT ON: `TABLE "s"."t"`, `COLUMN "s"."t"."c"`, `CONSTRAINT "c" ON DOMAIN "s"."d"`. */
function commentTarget(row: CommentRow): string {
  if (row.objsubid > 0) return `COLUMN ${objectSqlName(row)}.${quoteIdent(row.column ?? '')}`;
  return `${commentKeyword(row.kind)} ${objectSqlName(row)}`;
}
