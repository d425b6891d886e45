import { PgbakError } from '../../errors.js';

/** A script pgbak's loader cannot run as written (a psql meta-command, a truncated COPY…), with the line. */
export class SqlScriptError extends PgbakError {
  constructor(
    /** 1-based line of the script. */
    readonly line: number,
    message: string,
    hint = 'restore this file with psql (PostgreSQL client tools)',
    cause?: unknown,
  ) {
    super('STEP_FAILED', `line ${line}: ${message}`, { hint, ...(cause === undefined ? {} : { cause }) });
  }
}
