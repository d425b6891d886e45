// pg_restore --clean drops an archive's objects in the reverse order of its
// table of contents. On a partitioned table, the primary key or unique
// constraint of each partition comes after the parent's and is attached to it
// (INDEX ATTACH): dropping it first fails with `cannot drop inherited
// constraint`, and the restore stops. Listed before the parent's constraints
// instead, the partitions' constraints are created first (then the parent's,
// then the INDEX ATTACH entries join them, as before) and dropped after the
// parent's, which takes them along: their own DROP … IF EXISTS finds nothing.
// Only entries without data move, so a dump streamed from stdin still works.

const entryLine = /^(\d+); (\d+) (\d+) (.+)$/;

/**
 * The `pg_restore --list` output reordered for --clean (see above), or null
 * when the archive has no attached partition constraint and needs no list.
 */
export function reorderForClean(list: string): string | null {
  const lines = list.split('\n');
  const attached = lines.flatMap((line) => {
    const rest = entryLine.exec(line)?.[4];
    return rest?.startsWith('INDEX ATTACH ') ? [rest.slice('INDEX ATTACH '.length)] : [];
  });
  if (attached.length === 0) return null;
  const partitions: string[] = [];
  const kept: string[] = [];
  let firstConstraint = -1;
  for (const line of lines) {
    const rest = entryLine.exec(line)?.[4];
    if (rest?.startsWith('CONSTRAINT ')) {
      const tag = rest.slice('CONSTRAINT '.length);
      if (attached.some((index) => constraintOfIndex(tag, index))) {
        partitions.push(line);
        continue;
      }
      if (firstConstraint < 0) firstConstraint = kept.length;
    }
    kept.push(line);
  }
  if (partitions.length === 0 || firstConstraint < 0) return null;
  kept.splice(firstConstraint, 0, ...partitions);
  return kept.join('\n');
}

// A CONSTRAINT entry reads `<schema> <table> <constraint> <owner>`, an INDEX
// ATTACH one `<schema> <index> <owner>`, and an index-backed constraint's index
// has the constraint's name. Names may hold spaces, so every split of the
// INDEX ATTACH text into schema and the rest is tried.
function constraintOfIndex(constraint: string, index: string): boolean {
  for (let i = index.indexOf(' '); i > 0; i = index.indexOf(' ', i + 1)) {
    const schema = index.slice(0, i);
    const nameAndOwner = index.slice(i + 1);
    if (constraint.startsWith(`${schema} `) && constraint.endsWith(` ${nameAndOwner}`) && constraint.length > schema.length + nameAndOwner.length + 2) return true;
  }
  return false;
}
