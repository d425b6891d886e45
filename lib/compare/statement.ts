// One statement of the DDL compare --sql prints, with what the reader must know about it.

export interface Statement {
  /** Complete SQL ending with `;` (several statements allowed), or '' for a note alone. */
  sql: string;
  /** Why it destroys something (objects, rows, a column's data): printed as a DESTRUCTIVE comment. */
  destructive?: string;
  /** What to check before running it: printed as a review comment. */
  note?: string;
}

export function statement(sql: string, extra: Omit<Statement, 'sql'> = {}): Statement {
  return { sql: sql.endsWith('\n') ? sql.slice(0, -1) : sql, ...extra };
}
