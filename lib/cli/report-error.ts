import { toPgbakError, type ExitCodeValue, type PgbakError } from '../errors.js';

/** The error as the person at the terminal should see it: one or two lines, a hint. */
export function describeError(error: PgbakError, debug: boolean): string {
  const lines = [`pgbak: error: ${error.message}`];
  if (error.hint) lines.push(`hint: ${error.hint}`);
  if (debug && error.cause instanceof Error && error.cause.stack) lines.push(error.cause.stack);
  if (debug && error.stack) lines.push(error.stack);
  return lines.join('\n');
}

export function errorJson(error: PgbakError, exitCode: ExitCodeValue) {
  return {
    ok: false,
    exitCode,
    error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
    ...(error.details === undefined ? {} : { details: error.details }),
  };
}

export { toPgbakError };
