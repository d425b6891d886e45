// SECURITY LABEL FOR provider ON … IS '…' for every labelled object of the dump
// (pg_seclabel, readable by any role), as pg_dump writes them after each object.
// Restoring a label needs its provider loaded (e.g. sepgsql), as with pg_dump.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteLiteral } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { commentKeyword, decorationOrder, decorationSection, isDecoratedObjectIncluded, objectSqlName, type DecoratedObject } from './acl-objects.js';
import { decoratedObject, readDecorations, type DecorationRow } from './decorations.js';
import { makeEntry } from './fn-entry.js';

export interface SecurityLabelRow extends DecoratedObject {
  objsubid: number;
  column: string | null;
  provider: string;
  label: string;
}

/** One row per label, on an object or one of its columns. */
function labelRows(objects: readonly DecorationRow[]): SecurityLabelRow[] {
  return objects.flatMap((row) => (row.labels ?? []).map((part) => ({ ...decoratedObject(row), ...part })));
}

/** What follows `ON`: `TABLE "s"."t"`, `COLUMN "s"."t"."c"`. */
export function securityLabelTarget(row: Pick<SecurityLabelRow, 'kind' | 'schema' | 'name' | 'args' | 'parent' | 'objsubid' | 'column'> & DecoratedObject): string {
  if (row.objsubid > 0) return `COLUMN ${objectSqlName(row)}.${quoteIdent(row.column ?? '')}`;
  return `${commentKeyword(row.kind)} ${objectSqlName(row)}`;
}

/** `SECURITY LABEL FOR provider ON target IS 'label';` */
export function securityLabelSql(provider: string, target: string, label: string): string {
  return `SECURITY LABEL FOR ${quoteIdent(provider)} ON ${target} IS ${quoteLiteral(label)};\n`;
}

export const readSecurityLabels: CatalogReader = async (client: QueryClient, options) => {
  const rows = labelRows(await readDecorations(client, options.present));
  const entries: TocEntry[] = [];
  // The previous label of each object: its labels keep the catalog's order (pg_dump's).
  const previous = new Map<string, string>();
  for (const row of rows) {
    if (!isDecoratedObjectIncluded(row, options)) continue;
    const target = securityLabelTarget(row);
    const order = decorationOrder(row);
    const id = `SECURITY LABEL ${quoteIdent(row.provider)} ${target}`;
    const object = `${row.classid}:${row.objid}`;
    const before = previous.get(object);
    previous.set(object, id);
    entries.push(
      makeEntry({
        id,
        kind: 'SECURITY LABEL',
        section: decorationSection(row.kind),
        schema: row.schema,
        name: row.objsubid > 0 ? `${row.name}.${row.column}` : row.name,
        ref: null,
        dependsOn: order.dependsOn,
        after: before === undefined ? order.after : [...order.after, before],
        sql: securityLabelSql(row.provider, target, row.label),
      }),
    );
  }
  return entries;
};
