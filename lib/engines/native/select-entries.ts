import type { TocEntry } from './toc.js';

/** The profile kinds the native engine writes (globals are another engine's). */
export type NativeDumpKind = 'full' | 'schema-only' | 'data-only' | 'tables' | 'large-objects';

const decorators = new Set(['COMMENT', 'SECURITY LABEL', 'OWNER', 'ACL']);

/**
 * The entries a kind writes, as pg_dump's flags would: schema-only leaves out
 * data, large objects and materialized view refreshes; data-only keeps the data
 * section and large objects; large-objects only them. A COMMENT/OWNER/ACL entry
 * goes with the object it decorates.
 */
export function selectEntries(entries: readonly TocEntry[], kind: NativeDumpKind, largeObjects: boolean): TocEntry[] {
  const keepObject = (entry: TocEntry): boolean => {
    if (entry.kind === 'LARGE OBJECT') return largeObjects && kind !== 'schema-only';
    switch (kind) {
      case 'full':
      case 'tables':
        return true;
      case 'schema-only':
        return entry.section !== 'data' && entry.kind !== 'MATERIALIZED VIEW DATA';
      case 'data-only':
        return entry.section === 'data';
      case 'large-objects':
        return false;
    }
  };
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  const byRef = new Map<string, TocEntry>();
  for (const entry of entries) if (entry.ref && !decorators.has(entry.kind)) byRef.set(`${entry.ref.classid}:${entry.ref.objid}`, entry);
  const targetOf = (entry: TocEntry): TocEntry | undefined => {
    for (const id of entry.after ?? []) {
      const found = byId.get(id);
      if (found && !decorators.has(found.kind)) return found;
    }
    for (const ref of [...(entry.ref ? [entry.ref] : []), ...entry.dependsOn]) {
      const found = byRef.get(`${ref.classid}:${ref.objid}`);
      if (found && found !== entry) return found;
    }
    return undefined;
  };
  return entries.filter((entry) => {
    if (!decorators.has(entry.kind)) return keepObject(entry);
    const target = targetOf(entry);
    if (target) return keepObject(target);
    return kind !== 'data-only' && kind !== 'large-objects';
  });
}

/** Whether a kind writes table rows, sequence values and large object data. */
export function kindHasData(kind: NativeDumpKind): boolean {
  return kind !== 'schema-only';
}

/** pg_dump's default: large objects go with whole-database kinds, not narrowed ones. */
export function defaultLargeObjects(kind: NativeDumpKind): boolean {
  return kind === 'full' || kind === 'data-only' || kind === 'large-objects';
}
