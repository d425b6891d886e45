import { describePgError } from '../../../db/errors.js';
import { PgbakError } from '../../../errors.js';
import { SqlScriptError, type SqlItem } from '../../../sql/script/index.js';

interface PgErrorLike {
  code?: string;
  position?: string;
  where?: string;
}

/**
 * The line of the script a server error points at: the statement's first line,
 * moved to the error's `position` when the server gives one, or for COPY to the
 * data row its context names ("COPY t, line 3, column n: …").
 */
export function failedLine(item: SqlItem, error: unknown): number {
  const err = (error ?? {}) as PgErrorLike;
  if (item.type === 'copy') {
    // "COPY <relname>, line <n>[, column <c>][: "<value>"]"; the name is not quoted and may hold commas.
    const row = /^COPY .*?, line (\d+)(?:, column |: |$)/m.exec(err.where ?? '');
    return row ? item.dataLine + Number(row[1]) - 1 : item.line;
  }
  const position = Number(err.position);
  if (Number.isInteger(position) && position > 0) {
    // `position` counts characters from 1 in the statement as sent.
    const before = item.sql.slice(0, position - 1);
    return item.line + (before.match(/\n/g)?.length ?? 0);
  }
  return item.line;
}

/**
 * One line for a statement that failed: where in the script, the server's
 * severity, code, message and detail, and the start of the statement; the
 * server's hint and what became of the work as the hint. The original error is
 * the cause.
 */
export function describeFailure(item: SqlItem, error: unknown, outcome: string): PgbakError {
  if (error instanceof PgbakError) return error;
  const line = failedLine(item, error);
  const err = (error ?? {}) as PgErrorLike;
  const base = /^[0-9A-Z]{5}$/.test(err.code ?? '') ? describePgError(error) : new PgbakError('SERVER_ERROR', error instanceof Error ? error.message : String(error));
  const context = err.where && item.type === 'copy' ? ` (${err.where.split('\n')[0]})` : '';
  const hint = base.hint ? `${base.hint}; ${outcome}` : outcome;
  return new SqlScriptError(line, `${base.message}${context}; in: ${excerpt(item.sql)}`, hint, error);
}

/** The statement's first line, shortened for a message. */
export function excerpt(sql: string, max = 80): string {
  const first = sql.split('\n', 1)[0]!.trim();
  const more = first.length < sql.trim().length;
  return first.length > max ? `${first.slice(0, max - 1)}…` : more ? `${first} …` : first;
}
