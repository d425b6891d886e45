import type { ManifestStep } from '../archive/index.js';
import type { DataFacts } from '../db/row-counts.js';
import type { SequenceValues } from './sequence-sets.js';

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
  /** What the manifest recorded (row count, count) or the dump sets (`last_value (is_called …)`). */
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
 * per table, the number of large objects, and each sequence's last_value and
 * is_called with the value the dump itself sets (`dumped`: sequences are not
 * transactional, so the manifest's snapshot reading of them is not what the dump
 * holds on a busy database). Only what the manifest lists is compared (a `tables`
 * step lists only its tables); estimated row counts are not compared.
 */
export function compareFacts(step: ManifestStep, facts: DataFacts, dumped: SequenceValues): { mismatches: Mismatch[]; checks: StepChecks } {
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
  for (const [sequence, expected] of Object.entries(dumped)) {
    checks.sequences++;
    const got = facts.sequences[sequence];
    if (got === undefined) add('sequence', sequence, describeSequence(expected), 'missing');
    else if (got.lastValue !== expected.lastValue || got.isCalled !== expected.isCalled) add('sequence', sequence, describeSequence(expected), describeSequence(got));
  }
  // A sequence the manifest saw that the dump gives no value (its data was excluded):
  // the restore leaves it at its start, which is right; said, not compared.
  if (step.kind !== 'schema-only') {
    const unset = Object.keys(step.sequences ?? {}).filter((name) => !(name in dumped));
    if (unset.length > 0) checks.skipped.push(`the dump sets no value for ${unset.length === 1 ? 'sequence' : `${unset.length} sequences`} ${shortList(unset)}`);
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

function shortList(names: string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}
