// The decorated objects with all that COMMENT, SECURITY LABEL, OWNER and GRANT
// need of them, in one query. The four readers ask the same text, so one
// catalog read (readCatalog shares repeated queries) plans and runs the large
// objects view once instead of four times: most of what reading an empty
// database's catalog cost.
import type { QueryClient } from '../../../db/client.js';
import { decoratedObjectsCte, type DecoratedObject } from './acl-objects.js';
import type { CatalogPresence } from './presence.js';

/** A comment on the object (objsubid 0) or on one of its columns. */
export interface CommentPart {
  objsubid: number;
  column: string | null;
  description: string;
}

/** A security label on the object (objsubid 0) or on one of its columns. */
export interface LabelPart {
  objsubid: number;
  column: string | null;
  provider: string;
  label: string;
}

/** A column's own privileges. */
export interface ColumnAcl {
  name: string;
  acl: string[];
}

/** One decorated object and its decorations. */
export interface DecorationRow extends DecoratedObject {
  /** Comments on the object and its (not dropped) columns, by objsubid; null when none. */
  comments: CommentPart[] | null;
  /**
   * Security labels on the object and its (not dropped) columns, by objsubid, then in the
   * catalog's own order (as pg_dump reads them: a copy restored from the dump keeps that
   * order, so pg_dump writes source and copy alike); null when none.
   */
  labels: LabelPart[] | null;
  /** Columns of a relation with privileges of their own, in column order; null when none. */
  columns: ColumnAcl[] | null;
}

const pgClass = "'pg_catalog.pg_class'::pg_catalog.regclass";

const decorationsQuery = (present: CatalogPresence | undefined) => `WITH ${decoratedObjectsCte(present)}
SELECT o.*,
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_object('objsubid', d.objsubid, 'column', a.attname, 'description', d.description) ORDER BY d.objsubid)
     FROM pg_catalog.pg_description d
     LEFT JOIN pg_catalog.pg_attribute a ON d.objsubid > 0 AND o.kind <> 'INDEX'
       AND a.attrelid = o.objid AND a.attnum = d.objsubid AND NOT a.attisdropped
    WHERE d.classoid = o.classid AND d.objoid = o.objid AND (d.objsubid = 0 OR a.attname IS NOT NULL)) AS comments,
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_object('objsubid', l.objsubid, 'column', a.attname, 'provider', l.provider, 'label', l.label) ORDER BY l.objsubid, l.ctid)
     FROM (SELECT l.objsubid, l.provider, l.label, l.ctid FROM pg_catalog.pg_seclabel l WHERE l.classoid = o.classid AND l.objoid = o.objid
           UNION ALL
           -- A subscription lives in a shared catalog: its labels are in pg_shseclabel.
           SELECT 0, s.provider, s.label, s.ctid FROM pg_catalog.pg_shseclabel s
            WHERE o.kind = 'SUBSCRIPTION' AND s.classoid = o.classid AND s.objoid = o.objid) l
     LEFT JOIN pg_catalog.pg_attribute a ON l.objsubid > 0 AND a.attrelid = o.objid AND a.attnum = l.objsubid AND NOT a.attisdropped
    WHERE l.objsubid = 0 OR a.attname IS NOT NULL) AS labels,
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_object('name', a.attname, 'acl', a.attacl::pg_catalog.text[]) ORDER BY a.attnum)
     FROM pg_catalog.pg_attribute a
    WHERE o.classid = ${pgClass} AND a.attrelid = o.objid
      AND a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL) AS columns
FROM objects o
ORDER BY o.kind, o.schema, o.parent, o.name, o.args`;

/**
 * Every decorated object with its comments, labels and column privileges. The
 * readers of one catalog read pass the same `present` (ReadOptions): one query text, asked once.
 */
export async function readDecorations(client: QueryClient, present?: CatalogPresence): Promise<DecorationRow[]> {
  const { rows } = await client.query<DecorationRow>(decorationsQuery(present));
  return rows;
}

/** The object's own columns, without the decorations read with it. */
export function decoratedObject(row: DecorationRow): DecoratedObject {
  const { comments: _comments, labels: _labels, columns: _columns, ...object } = row;
  return object;
}
