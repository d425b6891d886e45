import { isPgbakError } from '../errors.js';
import type { NativePlanStep, PgDumpPlanStep } from '../plan/types.js';

/** A client tool's failure for want of a privilege the native engine may not need. */
export function lacksPrivilege(error: unknown): boolean {
  return isPgbakError(error) && /permission denied|must be superuser|insufficient privilege/i.test(error.message);
}

/** The tool failed before writing anything into the zip: the step can be done again another way. */
export function leftNoOutput(error: unknown): boolean {
  const details = isPgbakError(error) ? (error.details as { wroteOutput?: boolean } | undefined) : undefined;
  return details?.wroteOutput === false;
}

/** The native step that does what a pg_dump step was compiled to do. */
export function nativeFrom(step: PgDumpPlanStep, reason: string): NativePlanStep {
  return {
    engine: 'native',
    reason,
    step: step.step,
    kind: step.kind,
    database: step.database,
    format: 'plain',
    // The native engine writes plain SQL: the entry is named for it.
    output: step.output.type === 'stream' ? { type: 'stream', entry: step.output.entry.replace(/\.(dump|tar|sql\.gz|sql\.lz4|sql\.zst)$/, '.sql'), compress: true } : { type: 'stream', entry: `${step.output.prefix.replace(/\/$/, '')}.sql`, compress: true },
    snapshot: step.database !== null,
    tableScope: step.tableScope,
    scope: step.scope,
    countLargeObjects: step.countLargeObjects,
    // One job: a directory-format pg_dump step's jobs were for pg_dump's workers.
    options: { ...step.nativeOptions, jobs: 1, noRolePasswords: step.nativeOptions.noRolePasswords || step.kind === 'globals-only' },
  };
}

/**
 * Engine auto: pg_dump refused for want of a privilege before writing anything
 * (typically LOCK TABLE on a table the role may only SELECT): the native engine
 * needs no more than SELECT, so it takes over, and says so. The native step that
 * does the work then, or null when the failure stands.
 */
export function nativeInsteadOf(step: PgDumpPlanStep, error: unknown): NativePlanStep | null {
  if (!step.fallback || !lacksPrivilege(error) || !leftNoOutput(error)) return null;
  const reason = `pg_dump failed for lack of privilege: ${(error as Error).message}`;
  return nativeFrom(step, reason);
}
