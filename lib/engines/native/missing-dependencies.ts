// What a narrowed dump (the `tables` kind) leaves out but needs: the schema of a
// table, a type or function a column uses, the table a foreign key references…
// pg_dump -t leaves them out silently; the native engine says so, once per
// missing object, so the operator knows what the restore target must already have.
import type { QueryClient } from '../../db/client.js';
import { refKey, type DependencyGraph } from './dependencies.js';
import type { ObjectRef, TocEntry } from './toc.js';

const decorators = new Set(['COMMENT', 'SECURITY LABEL', 'OWNER', 'ACL']);
// Objects created by initdb (and so in every database) have OIDs below this.
const FIRST_NORMAL_OBJECT_ID = 16384;
/** Dependents named per missing object; the rest are counted. */
const NAMED_DEPENDENTS = 3;

/**
 * One line per object the dumped entries depend on that no entry creates,
 * e.g. `not in this dump, needed by TABLE "app"."orders": type app.status`.
 */
export async function noteMissingDependencies(client: QueryClient, entries: readonly TocEntry[], graph: DependencyGraph): Promise<string[]> {
  const created = new Set<string>();
  for (const entry of entries) if (entry.ref && !decorators.has(entry.kind)) created.add(refKey(entry.ref));
  const isCreated = (ref: ObjectRef): boolean => {
    let key = refKey(ref);
    for (let hops = 0; hops < 16; hops++) {
      if (created.has(key)) return true;
      const owner = graph.ownerOf.get(key);
      if (!owner) return false;
      key = refKey(owner);
    }
    return false;
  };
  const missing = new Map<string, { ref: ObjectRef; neededBy: string[] }>();
  for (const entry of entries) {
    if (!entry.ref || decorators.has(entry.kind)) continue;
    for (const dep of [...entry.dependsOn, ...(graph.dependsOn.get(refKey(entry.ref)) ?? [])]) {
      if (dep.objid < FIRST_NORMAL_OBJECT_ID || isCreated(dep)) continue;
      // A table's index or constraint is named as the table.
      const top = outermost(dep, graph);
      const key = refKey(top);
      const item = missing.get(key) ?? { ref: top, neededBy: [] };
      if (!item.neededBy.includes(entry.id)) item.neededBy.push(entry.id);
      missing.set(key, item);
    }
  }
  if (missing.size === 0) return [];
  const items = [...missing.values()];
  const { rows } = await client.query<{ description: string | null }>(
    `SELECT pg_catalog.pg_describe_object(t.classid, t.objid, 0) AS description
       FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.oid[]), pg_catalog.unnest($2::pg_catalog.oid[])) WITH ORDINALITY AS t(classid, objid, n)
      ORDER BY t.n`,
    [items.map((item) => item.ref.classid), items.map((item) => item.ref.objid)],
  );
  return items
    .map((item, index) => {
      const what = rows[index]?.description ?? `object ${item.ref.classid}/${item.ref.objid}`;
      const named = item.neededBy.slice(0, NAMED_DEPENDENTS).join(', ');
      const more = item.neededBy.length > NAMED_DEPENDENTS ? ` and ${item.neededBy.length - NAMED_DEPENDENTS} more` : '';
      return `not in this dump, needed by ${named}${more}: ${what} (the restore target must have it)`;
    })
    .sort();
}

function outermost(ref: ObjectRef, graph: DependencyGraph): ObjectRef {
  let current = ref;
  for (let hops = 0; hops < 16; hops++) {
    const owner = graph.ownerOf.get(refKey(current));
    if (!owner) break;
    current = owner;
  }
  return current;
}
