import type { ManifestStep } from '../archive/index.js';
import type { DataFacts } from '../db/row-counts.js';

/** One difference between what the manifest recorded and what came back. */
export interface Mismatch {
  /** Manifest step the expectation comes from. */
  step: string;
  /** Source database of the step. */
  database: string;
  /** What was compared. */
  check: 'rows' | 'sequence' | 'large objects';
  /** Table or sequence display name (`public.orders`); `*` for large objects. */
  object: string;
  /** What the manifest recorded (row count, `last_value (is_called)`, count). */
  expected: string;
  /** What the restored copy holds; `missing` when the object is not there. */
  found: string;
}

/** How much of a step could be compared (estimates and unread values cannot). */
export interface StepChecks {
  tables: number;
  sequences: number;
  largeObjects: boolean;
  /** Why some expectations were not compared. */
  skipped: string[];
}

/**
 * Compares a restored database's facts with one manifest step: exact row counts
 * per table, each sequence's last_value and is_called, the number of large
 * objects. Only what the manifest lists is compared (a `tables` step lists only
 * its tables); estimated row counts are not compared.
 */
export function compareFacts(step: ManifestStep, facts: DataFacts): { mismatches: Mismatch[]; checks: StepChecks } {
  const database = step.database ?? '';
  const mismatches: Mismatch[] = [];
  const checks: StepChecks = { tables: 0, sequences: 0, largeObjects: false, skipped: [] };
  const add = (check: Mismatch['check'], object: string, expected: string, found: string) =>
    mismatches.push({ step: step.name, database, check, object, expected, found });

  if (step.rowCounts && step.rowCounts.mode !== 'exact') {
    checks.skipped.push(`row counts were ${step.rowCounts.mode === 'estimate' ? 'estimated' : 'not taken'} at backup time`);
  } else if (step.rowCounts) {
    const found = facts.rowCounts?.tables ?? {};
    for (const [table, expected] of Object.entries(step.rowCounts.tables)) {
      if (expected === null) {
        checks.skipped.push(`${table} was not counted at backup time`);
        continue;
      }
      checks.tables++;
      const got = found[table];
      if (got === undefined) add('rows', table, String(expected), 'missing');
      else if (got !== expected) add('rows', table, String(expected), got === null ? 'not counted' : String(got));
    }
  }
  for (const [sequence, expected] of Object.entries(step.sequences ?? {})) {
    if (expected.lastValue === null) continue;
    checks.sequences++;
    const got = facts.sequences[sequence];
    if (got === undefined) add('sequence', sequence, describeSequence(expected), 'missing');
    else if (got.lastValue !== expected.lastValue || got.isCalled !== expected.isCalled) add('sequence', sequence, describeSequence(expected), describeSequence(got));
  }
  if (step.largeObjects !== null) {
    checks.largeObjects = true;
    if (facts.largeObjects !== step.largeObjects) add('large objects', '*', String(step.largeObjects), String(facts.largeObjects ?? 'not counted'));
  }
  return { mismatches, checks };
}

function describeSequence(state: { lastValue: string | null; isCalled: boolean }): string {
  return `${state.lastValue ?? 'unknown'} (is_called ${state.isCalled})`;
}
