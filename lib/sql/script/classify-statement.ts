// What a statement of a script is, where that changes how it is run: a COPY
// whose data follows in the script, transaction control, or a setting the
// splitter or the loader must follow. Statements arrive with leading comments
// and whitespace already removed.

/** Where a COPY reads or writes. */
export type CopyKind = 'from-stdin' | 'to-stdout' | 'server' | null;

// A token: a quoted identifier, a string, a word, or any other character.
const token = /"(?:[^"]|"")*"|'(?:[^']|'')*'|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*|\S/gy;

/**
 * `from-stdin` for `COPY name [(columns)] FROM STDIN …` (the data follows in the
 * script), `to-stdout` for a COPY that writes to the client, `server` for one that
 * reads or writes a server file or program, null for anything but COPY.
 */
export function classifyCopy(sql: string): CopyKind {
  if (!/^COPY\b/i.test(sql)) return null;
  const words = tokens(sql);
  let i = 1;
  // COPY (query) TO …: a query can only be copied out.
  if (words[i] === '(') return words.some((w) => w.toUpperCase() === 'STDOUT') ? 'to-stdout' : 'server';
  if (words[i]?.toUpperCase() === 'BINARY') i++;
  // The table name: identifiers separated by dots.
  if (isName(words[i] ?? '')) i++;
  while (words[i] === '.' && isName(words[i + 1] ?? '')) i += 2;
  if (words[i] === '(') {
    let depth = 0;
    for (; i < words.length; i++) {
      if (words[i] === '(') depth++;
      else if (words[i] === ')' && --depth === 0) {
        i++;
        break;
      }
    }
  }
  const direction = words[i]?.toUpperCase();
  const where = words[i + 1]?.toUpperCase();
  if (direction === 'FROM' && where === 'STDIN') return 'from-stdin';
  if (direction === 'TO' && where === 'STDOUT') return 'to-stdout';
  return 'server';
}

/** Transaction control a script may hold (pg_dump brackets large objects in BEGIN/COMMIT). */
export type TransactionControl = 'begin' | 'commit' | 'rollback' | null;

const control = /^(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)(?:\s+(?:WORK|TRANSACTION))?\s*;?\s*$/i;

/** Whether `sql` is a bare BEGIN / COMMIT / ROLLBACK (with its synonyms). */
export function classifyTransactionControl(sql: string): TransactionControl {
  const match = control.exec(sql);
  if (!match) return null;
  const verb = match[1]!.toUpperCase();
  if (verb === 'BEGIN' || verb.startsWith('START')) return 'begin';
  if (verb === 'COMMIT' || verb === 'END') return 'commit';
  return 'rollback';
}

/**
 * The value a statement gives a session setting, for the few forms a dump uses:
 * `SET [SESSION] name = value`, `SET name TO value`, and
 * `SELECT pg_catalog.set_config('name', 'value', false)`. Null otherwise.
 */
export function settingValue(sql: string, name: string): string | null {
  const set = /^SET\s+(?:SESSION\s+)?([A-Za-z_.]+)\s*(?:=|\s+TO\s+)\s*('(?:[^']|'')*'|[^\s;]+)\s*;?\s*$/i.exec(sql);
  if (set && set[1]!.toLowerCase() === name) return unquote(set[2]!);
  const call = /^SELECT\s+(?:pg_catalog\.)?set_config\s*\(\s*'([^']*)'\s*,\s*('(?:[^']|'')*')\s*,\s*false\s*\)\s*;?\s*$/i.exec(sql);
  if (call && call[1]!.toLowerCase() === name) return unquote(call[2]!);
  return null;
}

function unquote(value: string): string {
  return value.startsWith("'") ? value.slice(1, -1).replace(/''/g, "'") : value;
}

function isName(word: string): boolean {
  return word.startsWith('"') || /^[A-Za-z_\u0080-\uffff]/.test(word);
}

function tokens(sql: string): string[] {
  const out: string[] = [];
  for (let i = 0; ; ) {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
    if (i >= sql.length) break;
    token.lastIndex = i;
    const match = token.exec(sql);
    if (!match) break;
    out.push(match[0]);
    i = token.lastIndex;
  }
  return out;
}
