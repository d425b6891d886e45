// The table of contents of a split dump (`toc.json`): what a parallel restore needs
// to know about the post-data items without reading the catalog again — where each
// item's SQL lies in post-data.sql, which earlier items it needs, which tables'
// data it waits for, and whether it locks its tables against other items. Modelled
// on what pg_restore keeps per TOC entry for its parallel scheduler (dependencies,
// lockDeps, the TABLE DATA an index or constraint must wait for).
import { refKey, type DependencyGraph } from '../dependencies.js';
import { createResolver, decoratorTarget, phaseOf } from '../order.js';
import type { EntryKind, TocEntry } from '../toc.js';

/** The toc.json format this pgbak writes and reads. */
export const SPLIT_TOC_FORMAT = 1;

/** One statement group of post-data.sql: a TOC entry. */
export interface SplitTocItem {
  /** The entry's id (`INDEX "public"."orders_pkey"`), for messages. */
  id: string;
  kind: EntryKind;
  /** `post-data` items run in parallel; `acl` and `refresh` items run last, one after the other, in file order. */
  phase: 'post-data' | 'acl' | 'refresh';
  /** Byte range [start, end) of the item's SQL in post-data.sql. */
  range: [number, number];
  /** Earlier items (indices into `items`) that must be done first. */
  needs: number[];
  /** Data parts (names relative to the dump's prefix) that must be loaded first; null: all of them. */
  data: string[] | null;
  /** The tables (TABLE entry ids) the item works on. */
  tables: string[];
  /** Takes a lock that conflicts with other items on the same tables (ALTER TABLE …), unlike CREATE INDEX. */
  exclusive: boolean;
}

/** toc.json. */
export interface SplitToc {
  format: typeof SPLIT_TOC_FORMAT;
  /** The post-data part, relative to the dump's prefix. */
  postData: string;
  /** Byte range of post-data.sql's header (session settings): run first on every connection. */
  prelude: [number, number];
  items: SplitTocItem[];
  /**
   * Data parts that must load after others (a data-only dump into a schema whose foreign
   * keys are in force: referenced tables first), by part name; absent when none must.
   */
  dataAfter?: Record<string, string[]>;
}

/** Where an entry landed in post-data.sql. */
export interface PlacedEntry {
  entry: TocEntry;
  range: [number, number];
}

// CREATE INDEX and CREATE STATISTICS take SHARE (UPDATE EXCLUSIVE) locks that let
// each other run; ALTER TABLE (constraints, triggers, rules, policies) does not.
const sharedKinds: ReadonlySet<EntryKind> = new Set(['INDEX', 'STATISTICS', 'COMMENT']);

/**
 * Builds the TOC of post-data.sql. `written` are all entries of the dump in
 * order (to resolve dependencies), `placed` the post-data, grant and refresh
 * entries as written, `dataParts` the data part of each TABLE DATA entry id.
 */
export function buildSplitToc(
  written: readonly TocEntry[],
  placed: readonly PlacedEntry[],
  dataParts: ReadonlyMap<string, string>,
  graph: DependencyGraph,
  postData: { name: string; prelude: [number, number] },
): SplitToc {
  const resolve = createResolver(written, graph);
  const ids = new Map(written.map((entry, index) => [entry.id, index]));
  const itemOf = new Map(placed.map((p, index) => [p.entry.id, index]));
  // A table's data part, by the TABLE entry's schema and name.
  const dataOfTable = new Map<string, string>();
  for (const entry of written) {
    const part = dataParts.get(entry.id);
    if (part && entry.copy) dataOfTable.set(`${entry.copy.schema}\0${entry.copy.table}`, part);
  }
  const items = placed.map(({ entry, range }, index): SplitTocItem => {
    const at = ids.get(entry.id)!;
    const refs = [...entry.dependsOn, ...(entry.ref ? (graph.dependsOn.get(refKey(entry.ref)) ?? []) : []), ...(entry.ref ? [entry.ref] : [])];
    const found = new Set<number>();
    for (const ref of refs) {
      const i = resolve(ref);
      if (i !== undefined && i !== at) found.add(i);
    }
    for (const id of entry.after ?? []) {
      const i = ids.get(id);
      if (i !== undefined) found.add(i);
    }
    const target = decoratorTarget(entry, at, written, ids, resolve);
    if (target !== undefined) found.add(target);
    const needs = new Set<number>();
    const tables = new Set<string>();
    const data = new Set<string>();
    let tableWithoutData = false;
    for (const i of found) {
      const other = written[i]!;
      const item = itemOf.get(other.id);
      // Only earlier items: a loop the orderer broke stays broken the same way.
      if (item !== undefined && item < index) needs.add(item);
      if (other.kind === 'TABLE') {
        tables.add(other.id);
        const part = other.schema === null ? undefined : dataOfTable.get(`${other.schema}\0${other.name}`);
        if (part) data.add(part);
        else tableWithoutData = true;
      }
    }
    const phase = phaseOf(entry) as SplitTocItem['phase'];
    return {
      id: entry.id,
      kind: entry.kind,
      phase,
      range,
      needs: [...needs].sort((a, b) => a - b),
      // An item tied to no table may need any table's rows (a publication…), and one on a
      // table without rows of its own (a partitioned table) acts on its partitions: a
      // trigger or foreign key there must not see the partitions' rows arrive. They wait for all data.
      data: tables.size === 0 || tableWithoutData ? null : [...data].sort(),
      tables: [...tables].sort(),
      exclusive: !sharedKinds.has(entry.kind),
    };
  });
  const dataAfter: Record<string, string[]> = {};
  for (const entry of written) {
    const part = dataParts.get(entry.id);
    const before = (entry.after ?? []).map((id) => dataParts.get(id)).filter((name): name is string => name !== undefined && name !== part);
    if (part && before.length > 0) dataAfter[part] = [...new Set(before)].sort();
  }
  return { format: SPLIT_TOC_FORMAT, postData: postData.name, prelude: postData.prelude, items, ...(Object.keys(dataAfter).length > 0 ? { dataAfter } : {}) };
}
