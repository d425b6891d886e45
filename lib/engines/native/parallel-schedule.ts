import type { CopySpec } from './copy-data.js';

/** One table for a parallel dump: the TABLE DATA entry's id and what it copies. */
export interface ParallelTable {
  id: string;
  copy: CopySpec;
}

/** Who reads a table: the writer on the leader's connection, or a worker into a file. */
export type TableReader = 'writer' | 'worker';

/** Which tables are taken, and by whom; one per parallel dump (single-threaded, no locks needed). */
export interface Schedule {
  /** The writer's order. */
  readonly order: readonly ParallelTable[];
  /** Largest first (ties in the writer's order): a huge table never starts last. */
  readonly bySize: readonly ParallelTable[];
  readonly taken: Map<string, TableReader>;
}

export function createSchedule(tables: readonly ParallelTable[]): Schedule {
  const bySize = tables
    .map((table, index) => ({ table, index }))
    .sort((a, b) => b.table.copy.estimatedBytes - a.table.copy.estimatedBytes || a.index - b.index)
    .map(({ table }) => table);
  return { order: tables, bySize, taken: new Map() };
}

/**
 * The next table for a worker: the largest one nobody has taken, except the
 * first untaken one in the writer's order — the writer streams that one
 * itself when it gets there, rather than wait for a worker's file.
 */
export function nextWorkerTable(schedule: Schedule): ParallelTable | undefined {
  const reserved = schedule.order.find((t) => !schedule.taken.has(t.id));
  const table = schedule.bySize.find((t) => t !== reserved && !schedule.taken.has(t.id));
  if (table) schedule.taken.set(table.id, 'worker');
  return table;
}

/** The writer is at `id`: it reads the table itself unless a worker took it first. */
export function claimTable(schedule: Schedule, id: string): TableReader {
  const reader = schedule.taken.get(id);
  if (reader !== undefined) return reader;
  schedule.taken.set(id, 'writer');
  return 'writer';
}
