// Which part of a split native dump runs next on a free connection: pg_restore's
// parallel scheduler (restore_toc_entries_parallel, get_next_work_item in
// pg_backup_archiver.c) in small. A unit is ready when what it needs is done; of
// the ready ones the heaviest goes first (the biggest tables' rows, then the
// indexes of the biggest tables), skipping any that would wait on a lock a
// running unit holds (an ALTER TABLE beside a CREATE INDEX on the same table).

/** One piece of work: a table's rows, or a post-data item. */
export interface ScheduleUnit {
  key: string;
  /** Keys of the units that must be done first. */
  needs: readonly string[];
  /** Bigger goes first: a table's bytes, or an item's tables' bytes. */
  weight: number;
  /** Tables the unit works on. */
  tables: readonly string[];
  /** Locks its tables against every other unit on them (see SplitTocItem.exclusive). */
  exclusive: boolean;
}

export class SplitSchedule {
  readonly #units: ScheduleUnit[];
  readonly #done = new Set<string>();
  readonly #running = new Map<string, ScheduleUnit>();
  readonly #started = new Set<string>();

  constructor(units: readonly ScheduleUnit[]) {
    const keys = new Set(units.map((u) => u.key));
    for (const unit of units) {
      for (const need of unit.needs) if (!keys.has(need)) throw new Error(`split schedule: ${unit.key} needs ${need}, which is not in the dump`);
    }
    // Heaviest first; the TOC's order breaks ties, so the same dump always runs the same way.
    this.#units = units.map((unit, index) => ({ unit, index })).sort((a, b) => b.unit.weight - a.unit.weight || a.index - b.index).map(({ unit }) => unit);
  }

  /** Every unit is done. */
  get finished(): boolean {
    return this.#done.size === this.#units.length;
  }

  get running(): number {
    return this.#running.size;
  }

  /** The next unit to start, or undefined when none can start before a running one ends. */
  next(): ScheduleUnit | undefined {
    for (const unit of this.#units) {
      if (this.#started.has(unit.key)) continue;
      if (!unit.needs.every((need) => this.#done.has(need))) continue;
      if (this.#conflicts(unit)) continue;
      this.#started.add(unit.key);
      this.#running.set(unit.key, unit);
      return unit;
    }
    return undefined;
  }

  /** Marks a started unit done. */
  done(key: string): void {
    this.#running.delete(key);
    this.#done.add(key);
  }

  /** Nothing runs and nothing can start, yet units are left: the dump's dependencies loop. */
  get stuck(): boolean {
    return !this.finished && this.#running.size === 0;
  }

  #conflicts(unit: ScheduleUnit): boolean {
    if (unit.tables.length === 0) return false;
    for (const other of this.#running.values()) {
      if (!unit.exclusive && !other.exclusive) continue;
      if (other.tables.some((table) => unit.tables.includes(table))) return true;
    }
    return false;
  }
}
