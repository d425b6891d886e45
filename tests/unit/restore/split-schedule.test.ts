import { SplitSchedule, type ScheduleUnit } from '../../../lib/restore/split-schedule.js';

const unit = (key: string, over: Partial<ScheduleUnit> = {}): ScheduleUnit => ({ key, needs: [], weight: 0, tables: [], exclusive: false, ...over });

describe('SplitSchedule', () => {
  it('starts the biggest ready unit first, ties in TOC order', () => {
    const schedule = new SplitSchedule([unit('small', { weight: 1 }), unit('big', { weight: 9 }), unit('tie', { weight: 1 })]);
    expect([schedule.next()?.key, schedule.next()?.key, schedule.next()?.key]).toEqual(['big', 'small', 'tie']);
    expect(schedule.next()).toBeUndefined();
  });

  it('holds a unit until everything it needs is done (an index waits for its table\'s rows)', () => {
    const schedule = new SplitSchedule([unit('data:t', { weight: 5 }), unit('index', { needs: ['data:t'], weight: 5, tables: ['t'] })]);
    expect(schedule.next()?.key).toBe('data:t');
    expect(schedule.next()).toBeUndefined();
    schedule.done('data:t');
    expect(schedule.next()?.key).toBe('index');
    schedule.done('index');
    expect(schedule.finished).toBe(true);
  });

  it('runs two indexes of one table side by side, but not an ALTER TABLE beside either', () => {
    const schedule = new SplitSchedule([
      unit('index a', { tables: ['t'], weight: 3 }),
      unit('index b', { tables: ['t'], weight: 2 }),
      unit('constraint', { tables: ['t'], exclusive: true, weight: 1 }),
      unit('other table', { tables: ['u'], exclusive: true }),
    ]);
    expect(schedule.next()?.key).toBe('index a');
    expect(schedule.next()?.key).toBe('index b');
    // The constraint would wait on the indexes' locks: another table's item goes first.
    expect(schedule.next()?.key).toBe('other table');
    expect(schedule.next()).toBeUndefined();
    schedule.done('index a');
    expect(schedule.next()).toBeUndefined();
    schedule.done('index b');
    expect(schedule.next()?.key).toBe('constraint');
  });

  it('keeps a foreign key (both tables) apart from an exclusive item on either table', () => {
    const schedule = new SplitSchedule([unit('fk a->b', { tables: ['a', 'b'], exclusive: true, weight: 2 }), unit('fk b->a', { tables: ['a', 'b'], exclusive: true, weight: 1 })]);
    expect(schedule.next()?.key).toBe('fk a->b');
    expect(schedule.next()).toBeUndefined();
  });

  it('says when nothing can start and nothing runs', () => {
    const schedule = new SplitSchedule([unit('x', { needs: ['y'] }), unit('y', { needs: ['x'] })]);
    expect(schedule.next()).toBeUndefined();
    expect(schedule.stuck).toBe(true);
  });

  it('refuses a unit that needs one the dump does not have', () => {
    expect(() => new SplitSchedule([unit('x', { needs: ['nowhere'] })])).toThrow(/needs nowhere/);
  });
});
