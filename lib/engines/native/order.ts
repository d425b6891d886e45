import { emptyDependencyGraph, refKey, type DependencyGraph } from './dependencies.js';
import { entryKinds, type EntryKind, type ObjectRef, type TocEntry } from './toc.js';

/**
 * When an entry is written. pg_dump's three sections, then two passes its
 * restore also runs last: GRANT/REVOKE after everything (an owner revoking its
 * own INSERT must not break the data load), and materialized view refreshes
 * after the grants (a refresh runs the query with the owner's privileges).
 * Event triggers join that last pass (pg_dump's RESTORE_PASS_POST_ACL): created
 * earlier, they would fire on the restore's own DDL. So do optimizer statistics:
 * CREATE INDEX and REFRESH recompute what they set (relation-statistics.ts).
 */
export const phases = ['pre-data', 'data', 'post-data', 'acl', 'refresh'] as const;
export type Phase = (typeof phases)[number];

export function phaseOf(entry: TocEntry): Phase {
  if (entry.kind === 'ACL') return 'acl';
  if (entry.kind === 'MATERIALIZED VIEW DATA' || entry.kind === 'EVENT TRIGGER' || entry.kind === 'STATISTICS DATA') return 'refresh';
  return entry.section;
}

/** Entries that decorate another (COMMENT ON, ALTER … OWNER TO, GRANT): written right after it. */
const decoratorKinds: ReadonlySet<EntryKind> = new Set(['COMMENT', 'SECURITY LABEL', 'OWNER', 'ACL']);

export interface OrderResult {
  entries: TocEntry[];
  /** Dependency loops broken and dependencies no order can satisfy, one line each. */
  warnings: string[];
}

type SortKey = readonly (string | number)[];

/**
 * Orders entries as pg_dump does: by phase (pre-data, data, post-data, grants,
 * event triggers and refreshes), and within a phase topologically over what
 * each entry depends on (its `dependsOn` refs, its `after` ids, and pg_depend
 * through `graph`), ties broken by kind (`entryKinds`), schema, name and id, so the same database
 * always gives the same file. A decorator sorts as its target, so a COMMENT
 * follows the object it comments. Loops are broken deterministically (the
 * smallest entry of the loop goes first) and reported.
 */
export function orderEntries(entries: readonly TocEntry[], graph: DependencyGraph = emptyDependencyGraph()): OrderResult {
  let current = entries;
  // Each round splits one entry of a loop that can be split (a view), until no such loop is left.
  for (let round = 0; round <= entries.length; round++) {
    try {
      return orderOnce(current, graph);
    } catch (error) {
      if (!(error instanceof SplitNeeded)) throw error;
      current = splitEntry(current, error.index);
    }
  }
  throw new Error('ordering the catalog entries did not settle');
}

/** Thrown by sortPhase: the loop it met holds an entry that can be split. */
class SplitNeeded extends Error {
  constructor(readonly index: number) {
    super('split needed');
  }
}

/**
 * The entry at `index` becomes its placeholder (same id and ref, only the
 * split's dependencies) and a second entry that completes it after the
 * placeholder and everything the original needed.
 */
function splitEntry(entries: readonly TocEntry[], index: number): TocEntry[] {
  const entry = entries[index]!;
  const split = entry.split!;
  const { split: _dropped, ...plain } = entry;
  const placeholder: TocEntry = { ...plain, dependsOn: split.dependsOn, sql: split.sql };
  const rest: TocEntry = { ...split.rest, dependsOn: [...entry.dependsOn, ...(entry.ref ? [entry.ref] : [])], after: [...(split.rest.after ?? []), entry.id] };
  return [...entries.slice(0, index), placeholder, rest, ...entries.slice(index + 1)];
}

function orderOnce(entries: readonly TocEntry[], graph: DependencyGraph): OrderResult {
  const warnings: string[] = [];
  const ids = new Map<string, number>();
  entries.forEach((entry, index) => {
    if (ids.has(entry.id)) throw new Error(`two catalog entries have the id ${entry.id}`);
    ids.set(entry.id, index);
  });
  const resolve = createResolver(entries, graph);
  const phase = entries.map((entry) => phases.indexOf(phaseOf(entry)));

  // Predecessors of each entry, deduplicated; edges to later phases are reported, earlier ones hold by construction.
  const preds = entries.map(() => new Set<number>());
  const reportedLate = new Set<string>();
  const addEdge = (from: number, to: number | undefined) => {
    if (to === undefined || to === from) return;
    if (phase[to]! < phase[from]!) return;
    if (phase[to]! > phase[from]!) {
      const key = `${from}>${to}`;
      if (!reportedLate.has(key)) {
        reportedLate.add(key);
        warnings.push(`${entries[from]!.id} (${phases[phase[from]!]}) depends on ${entries[to]!.id}, which is written later (${phases[phase[to]!]}); a restore may fail there`);
      }
      return;
    }
    preds[from]!.add(to);
  };
  entries.forEach((entry, index) => {
    for (const ref of entry.dependsOn) addEdge(index, resolve(ref));
    for (const id of entry.after ?? []) addEdge(index, ids.get(id));
  });
  for (const [key, refs] of graph.dependsOn) {
    const from = resolveKey(key, resolve);
    if (from === undefined) continue;
    for (const ref of refs) addEdge(from, resolve(ref));
  }

  const keys = entries.map((entry, index) => sortKey(entry, index, entries, ids, resolve));
  const order: number[] = [];
  for (let p = 0; p < phases.length; p++) {
    const members = entries.map((_, i) => i).filter((i) => phase[i] === p);
    order.push(...sortPhase(members, preds, keys, entries, warnings));
  }
  return { entries: order.map((i) => entries[i]!), warnings };
}

export type Resolver = (ref: ObjectRef) => number | undefined;

// An entry creates a ref; a sub-object without an entry of its own resolves to its owner.
export function createResolver(entries: readonly TocEntry[], graph: DependencyGraph): Resolver {
  const byRef = new Map<string, number>();
  entries.forEach((entry, index) => {
    if (!entry.ref) return;
    const key = refKey(entry.ref);
    const existing = byRef.get(key);
    // Should two entries name the same ref, the creating one (not a decorator) wins.
    if (existing === undefined || (decoratorKinds.has(entries[existing]!.kind) && !decoratorKinds.has(entry.kind))) byRef.set(key, index);
  });
  return (ref) => {
    let key = refKey(ref);
    for (let hops = 0; hops < 16; hops++) {
      const found = byRef.get(key);
      if (found !== undefined) return found;
      const owner = graph.ownerOf.get(key);
      if (!owner) return undefined;
      key = refKey(owner);
    }
    return undefined;
  };
}

function resolveKey(key: string, resolve: Resolver): number | undefined {
  const [classid, objid] = key.split(':').map(Number);
  return resolve({ classid: classid!, objid: objid! });
}

function sortKey(entry: TocEntry, index: number, entries: readonly TocEntry[], ids: Map<string, number>, resolve: Resolver): SortKey {
  const own = [entryKinds.indexOf(entry.kind), entry.schema ?? '', entry.name, entry.id];
  if (!decoratorKinds.has(entry.kind)) return own;
  const target = decoratorTarget(entry, index, entries, ids, resolve);
  if (target === undefined) return own;
  const t = entries[target]!;
  return [entryKinds.indexOf(t.kind), t.schema ?? '', t.name, t.id, entryKinds.indexOf(entry.kind), entry.id];
}

/** The entry a COMMENT/OWNER/ACL decorates: its first `after` id, else its first resolvable ref. */
export function decoratorTarget(entry: TocEntry, index: number, entries: readonly TocEntry[], ids: Map<string, number>, resolve: Resolver): number | undefined {
  for (const id of entry.after ?? []) {
    const found = ids.get(id);
    if (found !== undefined && found !== index && !decoratorKinds.has(entries[found]!.kind)) return found;
  }
  for (const ref of [...(entry.ref ? [entry.ref] : []), ...entry.dependsOn]) {
    const found = resolve(ref);
    if (found !== undefined && found !== index && !decoratorKinds.has(entries[found]!.kind)) return found;
  }
  return undefined;
}

function compareKeys(a: SortKey, b: SortKey): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    // Code-point order, not locale order: the same on every machine.
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

// Kahn's algorithm taking the smallest ready entry each time.
function sortPhase(members: number[], preds: Set<number>[], keys: SortKey[], entries: readonly TocEntry[], warnings: string[]): number[] {
  const inPhase = new Set(members);
  const pending = new Map<number, number>();
  const succs = new Map<number, number[]>();
  for (const m of members) {
    let count = 0;
    for (const p of preds[m]!) {
      if (!inPhase.has(p)) continue;
      count++;
      const list = succs.get(p);
      if (list) list.push(m);
      else succs.set(p, [m]);
    }
    pending.set(m, count);
  }
  const cmp = (a: number, b: number) => compareKeys(keys[a]!, keys[b]!);
  const ready = new Heap<number>(cmp);
  for (const m of members) if (pending.get(m) === 0) ready.push(m);
  const done = new Set<number>();
  const out: number[] = [];
  const emit = (m: number) => {
    done.add(m);
    out.push(m);
    for (const s of succs.get(m) ?? []) {
      const left = pending.get(s)! - 1;
      pending.set(s, left);
      if (left === 0 && !done.has(s)) ready.push(s);
    }
  };
  while (out.length < members.length) {
    const next = ready.pop();
    if (next !== undefined) {
      if (!done.has(next)) emit(next);
      continue;
    }
    const loop = findLoop(members.filter((m) => !done.has(m)), preds, inPhase, done, cmp);
    const splittable = [...loop].sort(cmp).find((i) => entries[i]!.split !== undefined);
    if (splittable !== undefined) throw new SplitNeeded(splittable);
    const first = [...loop].sort(cmp)[0]!;
    const names = [...loop, loop[0]!].map((i) => entries[i]!.id);
    warnings.push(`dependency loop: ${names.join(' needs ')}; wrote ${entries[first]!.id} first`);
    pending.set(first, 0);
    emit(first);
  }
  return out;
}

// Walks from the smallest blocked entry to its smallest unwritten predecessor
// until an entry repeats: the entries from that repeat on form a loop.
function findLoop(blocked: number[], preds: Set<number>[], inPhase: Set<number>, done: Set<number>, cmp: (a: number, b: number) => number): number[] {
  const path: number[] = [];
  const seen = new Map<number, number>();
  let current = [...blocked].sort(cmp)[0]!;
  while (!seen.has(current)) {
    seen.set(current, path.length);
    path.push(current);
    const waiting = [...preds[current]!].filter((p) => inPhase.has(p) && !done.has(p)).sort(cmp);
    current = waiting[0]!;
  }
  // Each entry of the loop needs the next one, the last needs the first.
  return path.slice(seen.get(current)!);
}

/** A binary min-heap. */
class Heap<T> {
  readonly #items: T[] = [];
  constructor(readonly compare: (a: T, b: T) => number) {}

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < items.length && this.compare(items[l]!, items[smallest]!) < 0) smallest = l;
        if (r < items.length && this.compare(items[r]!, items[smallest]!) < 0) smallest = r;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest]!, items[i]!];
        i = smallest;
      }
    }
    return top;
  }
}
