import { claimTable, createSchedule, nextWorkerTable, type ParallelTable } from '../../../../lib/engines/native/parallel-schedule.js';

function table(id: string, estimatedBytes: number): ParallelTable {
  return { id, copy: { schema: 'public', table: id, columns: [], estimatedBytes } };
}

// The writer's order: a, b, c, d (as pg_dump orders TABLE DATA entries).
const tables = [table('a', 500), table('b', 10), table('c', 900), table('d', 50)];

describe('parallel schedule', () => {
  it("leaves the writer's next table to the writer and gives workers the largest of the rest", () => {
    const schedule = createSchedule(tables);
    expect(nextWorkerTable(schedule)?.id).toBe('c');
    // a is the writer's next: the worker skips it although it is the next largest.
    expect(nextWorkerTable(schedule)?.id).toBe('d');
    expect(claimTable(schedule, 'a')).toBe('writer');
    expect(nextWorkerTable(schedule)?.id).toBe(undefined);
    expect(claimTable(schedule, 'b')).toBe('writer');
    expect(claimTable(schedule, 'c')).toBe('worker');
    expect(claimTable(schedule, 'd')).toBe('worker');
  });

  it('lets a worker read ahead of the writer once the writer has taken its table', () => {
    const schedule = createSchedule(tables);
    expect(claimTable(schedule, 'a')).toBe('writer');
    // The writer is busy with a: b is now its next, c and d go to the workers.
    expect([nextWorkerTable(schedule)?.id, nextWorkerTable(schedule)?.id, nextWorkerTable(schedule)?.id]).toEqual(['c', 'd', undefined]);
    expect(claimTable(schedule, 'b')).toBe('writer');
  });

  it('breaks ties in size by the writer order', () => {
    const schedule = createSchedule([table('x', 5), table('y', 7), table('z', 7)]);
    expect(nextWorkerTable(schedule)?.id).toBe('y');
    expect(nextWorkerTable(schedule)?.id).toBe('z');
    expect(nextWorkerTable(schedule)).toBeUndefined();
  });
});
