import type { EntryKind, ObjectRef, Section, TocEntry } from '../../../../lib/engines/native/toc.js';

export const pgClass = 1259;
export const rel = (objid: number): ObjectRef => ({ classid: pgClass, objid });

/** A synthetic entry: `entry('TABLE', 'b', { ref: rel(2) })`. */
export function entry(kind: EntryKind, name: string, extra: Partial<TocEntry> = {}): TocEntry {
  const section: Section = extra.section ?? (kind === 'TABLE DATA' || kind === 'SEQUENCE SET' ? 'data' : ['CONSTRAINT', 'INDEX', 'FK CONSTRAINT', 'TRIGGER', 'RULE', 'POLICY', 'MATERIALIZED VIEW DATA'].includes(kind) ? 'post-data' : 'pre-data');
  return { id: `${kind} ${extra.schema ?? 's'}.${name}`, kind, section, schema: 's', name, ref: null, dependsOn: [], sql: `-- ${kind} ${name}\n`, ...extra };
}

export const ids = (entries: readonly TocEntry[]) => entries.map((e) => e.id);
