import type { QueryClient } from '../../db/client.js';
import type { ObjectRef } from './toc.js';

/**
 * What pg_depend says about the objects of one database, in the form the
 * orderer needs:
 * - `dependsOn`: each object and the objects it needs;
 * - `ownerOf`: a sub-object and the object it is part of (a view's `_RETURN`
 *   rule → the view, a column default → its table, an array type → its element
 *   type, a table's row type → the table, a constraint's index → the
 *   constraint, an extension member → the extension). The orderer translates a
 *   ref through `ownerOf` only when no entry creates that ref itself, so a
 *   reader that writes a default as its own entry (ref pg_attrdef) gets the
 *   default's dependencies, and one that inlines it gives them to the table.
 */
export interface DependencyGraph {
  dependsOn: Map<string, ObjectRef[]>;
  ownerOf: Map<string, ObjectRef>;
}

/**
 * The shell of a type (`CREATE TYPE name;`), which pg_dump writes before a
 * base type's input/output functions and a range type's canonical function:
 * a ref with classid 0 (no catalog) and the type's OID. pg_depend's links from
 * those functions to their type are read as links to this ref (see dependSql).
 */
export function shellTypeRef(typeOid: number): ObjectRef {
  return { classid: SHELL_TYPE_CLASSID, objid: typeOid };
}
const SHELL_TYPE_CLASSID = 0;

/** The map key of a ref. */
export function refKey(ref: ObjectRef): string {
  return `${ref.classid}:${ref.objid}`;
}

export function emptyDependencyGraph(): DependencyGraph {
  return { dependsOn: new Map(), ownerOf: new Map() };
}

interface DependRow {
  classid: string;
  objid: string;
  refclassid: string;
  refobjid: string;
  deptype: string;
  owned_sequence: boolean;
}

// Objects created by initdb have OIDs below FirstNormalObjectId (16384): they
// exist in every database, so nothing needs to wait for them. 'p' (pinned) rows
// exist before PostgreSQL 15 only. Column-level rows collapse onto their table.
// A function that is a type's input, output, receive or send function (or a
// range type's canonical function) needs only the type's shell: its link reads
// as one to shellTypeRef (classid 0).
const dependSql = `
  SELECT DISTINCT d.classid::int8::text AS classid, d.objid::int8::text AS objid,
         (CASE WHEN d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass
                AND (EXISTS (SELECT FROM pg_catalog.pg_type t WHERE t.oid = d.refobjid AND t.typtype = 'b'
                               AND d.objid IN (t.typinput, t.typoutput, t.typreceive, t.typsend))
                  OR EXISTS (SELECT FROM pg_catalog.pg_range r WHERE r.rngtypid = d.refobjid AND r.rngcanonical = d.objid))
               THEN 0 ELSE d.refclassid END)::int8::text AS refclassid, d.refobjid::int8::text AS refobjid, d.deptype::text AS deptype,
         (d.deptype = 'a' AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
          AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
          AND EXISTS (SELECT 1 FROM pg_catalog.pg_class s WHERE s.oid = d.objid AND s.relkind = 'S')) AS owned_sequence
    FROM pg_catalog.pg_depend d
   WHERE d.deptype <> 'p' AND d.objid >= 16384 AND d.refobjid >= 16384
   ORDER BY 1, 2, 3, 4, 5`;

// Which kind of link makes a good "part of" translation, best first.
const ownerRank: Record<string, number> = { i: 0, e: 1, a: 2 };

// Catalog OIDs (fixed in every release): an operator class's or family's members and their owners.
const PG_AMOP = 2602;
const PG_AMPROC = 2603;
const PG_OPCLASS = 2616;
const PG_OPFAMILY = 2753;

/**
 * Whether the link may name what the object is part of. A loose member of an
 * operator family links 'a' to its operator or function as well as to the
 * family: it is part of the family, and needs the function first.
 */
function canOwn(row: DependRow): boolean {
  const classid = Number(row.classid);
  if (classid !== PG_AMOP && classid !== PG_AMPROC) return true;
  const refclassid = Number(row.refclassid);
  return refclassid === PG_OPCLASS || refclassid === PG_OPFAMILY;
}

/** Reads pg_depend once (inside the dump's snapshot) into a DependencyGraph. */
export async function readDependencies(client: QueryClient): Promise<DependencyGraph> {
  const { rows } = await client.query<DependRow>(dependSql);
  return buildDependencyGraph(rows);
}

/** Builds the graph from pg_depend rows (exported for tests). */
export function buildDependencyGraph(rows: readonly DependRow[]): DependencyGraph {
  const graph = emptyDependencyGraph();
  const ownerRankOf = new Map<string, number>();
  for (const row of rows) {
    const from: ObjectRef = { classid: Number(row.classid), objid: Number(row.objid) };
    const to: ObjectRef = { classid: Number(row.refclassid), objid: Number(row.refobjid) };
    const key = refKey(from);
    if (key === refKey(to)) continue;
    const rank = ownerRank[row.deptype];
    if (rank !== undefined && !row.owned_sequence && canOwn(row) && rank < (ownerRankOf.get(key) ?? Infinity)) {
      graph.ownerOf.set(key, to);
      ownerRankOf.set(key, rank);
    }
    // A serial column's sequence is owned by its table ('a'), yet the sequence is
    // created before the table whose default calls nextval(): the OWNED BY link is
    // the SEQUENCE OWNED BY entry's to declare, not the sequence's.
    if (row.owned_sequence) continue;
    // A member does not need its extension first: CREATE EXTENSION makes it.
    if (row.deptype === 'e') continue;
    const list = graph.dependsOn.get(key);
    if (list) list.push(to);
    else graph.dependsOn.set(key, [to]);
  }
  return graph;
}
