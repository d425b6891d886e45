/** What one `--verbose` stderr line says about the dump's progress. */
export interface VerboseEvent {
  /** `schema.table` whose data pg_dump has started to copy. */
  table: string;
}

// PG 12+ quotes the name ("public.orders", the parts unescaped); older releases print
// it bare. pg_dumpall's children print as pg_dump, and some builds add the pid.
const TABLE_DATA = /^pg_dump(?:all)?(?:\[\d+\])?: dumping contents of table (?:"(.*)"|(.+?))\s*$/;

/**
 * Reads a pg_dump / pg_dumpall `--verbose` stderr line (run with LC_MESSAGES=C):
 * `pg_dump: dumping contents of table "public.orders"` → { table: 'public.orders' };
 * any other line → null.
 */
export function parsePgDumpVerbose(line: string): VerboseEvent | null {
  const match = TABLE_DATA.exec(line.replace(/\r?\n$/, ''));
  const table = match?.[1] ?? match?.[2];
  return table ? { table } : null;
}
