import { PgbakError, type ErrorCode } from '../errors.js';

/**
 * Gives a failed pg_dump/pg_dumpall the error code of its cause, so that a
 * wrong password or a missing database exits 2 (fix the configuration) like the
 * same failure seen by pgbak's own connection, and everything else exits 1.
 */
export function classifyFailure(line: string | undefined): { code: ErrorCode; hint: string } {
  const text = line ?? '';
  if (/password authentication failed|no password supplied|fe_sendauth/i.test(text)) {
    return { code: 'AUTH_FAILED', hint: 'check PGPASSWORD, DATABASE_URL, PGBAK_PASSWORD_FILE, the profile passwordFile or ~/.pgpass' };
  }
  if (/database ".*" does not exist/i.test(text)) {
    return { code: 'DATABASE_MISSING', hint: 'check the database name (--database, PGDATABASE, the profile)' };
  }
  if (/no matching (tables|schemas|extensions|foreign servers) were found/i.test(text)) {
    return { code: 'CONFIG_INVALID', hint: 'check the --table / --schema names (schema.table, case-sensitive when quoted)' };
  }
  if (/server version mismatch/i.test(text)) {
    return { code: 'TOOL_INCOMPATIBLE', hint: 'install client tools at least as new as the server, or point PGBAK_PG_BIN at them' };
  }
  if (/could not obtain lock|lock timeout/i.test(text)) {
    return { code: 'STEP_FAILED', hint: 'another session held a lock longer than lockWaitTimeout; retry, or raise lockWaitTimeout' };
  }
  if (/permission denied/i.test(text)) {
    return { code: 'STEP_FAILED', hint: 'the role lacks a privilege pg_dump needs; grant it, or narrow the profile' };
  }
  return { code: 'STEP_FAILED', hint: 'the tool\'s last lines are in the run log' };
}

/** What a failed step leaves behind; `wroteOutput: false` means nothing reached the zip. */
export interface StepFailureDetails {
  wroteOutput: boolean;
}

export function stepFailed(message: string, line: string | undefined, cause?: unknown, details?: StepFailureDetails): PgbakError {
  const { code, hint } = classifyFailure(line);
  return new PgbakError(code, message, { hint, cause, ...(details ? { details } : {}) });
}

/** How a child ended, as the tail of "pg_dump …": killed, exit code, or never started. */
export function describeExit(
  outcome: { signal?: string | undefined; exitCode?: number | undefined; originalMessage?: string | undefined } | undefined,
  rejection: unknown,
): string {
  if (outcome?.signal) return `was killed by ${outcome.signal}`;
  if (outcome?.exitCode !== undefined) return `exited with code ${outcome.exitCode}`;
  return `could not be started (${outcome?.originalMessage ?? (rejection === undefined ? 'unknown reason' : String(rejection))})`;
}
