/**
 * pg_dump's name patterns (`--table`, `--schema` and their exclusions), turned
 * into the regular expressions pg_dump sends to the server: the rules of
 * `patternToSQLRegex` in PostgreSQL's src/fe_utils/string_utils.c, kept to the
 * letter so that pgbak selects exactly the tables pg_dump dumps.
 *
 * - `"` quotes (a doubled `""` inside quotes is one quote); outside quotes
 *   ASCII upper case folds to lower case;
 * - `.` outside quotes separates database, schema and name;
 * - `*` is `.*` and `?` is `.` outside quotes;
 * - `$` is always literal; `[]` (an array type name) is always literal;
 * - every other regular-expression character (`[ ] ( ) | + { } ^ \`) is
 *   regular-expression syntax outside quotes and literal inside them;
 * - each part is anchored as `^(...)$`.
 *
 * The server evaluates the expressions, so a malformed one (`a(b`) fails there,
 * as it does for pg_dump.
 */
export interface NamePatternRegex {
  /** The database part of `db.schema.name`, literal (quotes removed, case folded), or null. */
  database: string | null;
  /** The schema part as an anchored regular expression, or null when unqualified. */
  schema: string | null;
  /** The last part as an anchored regular expression. */
  name: string;
  /** How many unquoted dots the pattern holds (pg_dump refuses too many). */
  dots: number;
}

// Escaped inside quotes (patternToSQLRegex's list; `$` has its own rule).
const regexSpecials = '|*+?()[]{}.^$\\';

/**
 * Splits `pattern` into at most `parts` parts (1: a schema pattern; 3: a
 * relation pattern, `db.schema.name`), converting each into a regular
 * expression. Dots beyond the last part stay in the name (as regular-expression
 * dots) but are counted, as pg_dump does; callers refuse them.
 */
export function patternToRegex(pattern: string, parts: 1 | 3): NamePatternRegex {
  const done: string[] = [];
  const literal: string[] = [];
  let current = '^(';
  let currentLiteral = '';
  let dots = 0;
  let quoted = false;
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '"') {
      if (quoted && chars[i + 1] === '"') {
        current += '"';
        currentLiteral += '"';
        i++;
      } else quoted = !quoted;
    } else if (!quoted && ch >= 'A' && ch <= 'Z') {
      current += ch.toLowerCase();
      currentLiteral += ch.toLowerCase();
    } else if (!quoted && ch === '*') {
      current += '.*';
      currentLiteral += '*';
    } else if (!quoted && ch === '?') {
      current += '.';
      currentLiteral += '?';
    } else if (!quoted && ch === '.') {
      dots++;
      if (done.length < parts - 1) {
        done.push(`${current})$`);
        literal.push(currentLiteral);
        current = '^(';
        currentLiteral = '';
      } else current += '.';
    } else if (ch === '$') {
      // Legal in identifiers, and meaningless as an anchor inside ^(...)$.
      current += '\\$';
      currentLiteral += '$';
    } else {
      if (quoted && regexSpecials.includes(ch)) current += '\\';
      else if (ch === '[' && chars[i + 1] === ']') current += '\\';
      current += ch;
      currentLiteral += ch;
    }
  }
  done.push(`${current})$`);
  literal.push(currentLiteral);
  const name = done[done.length - 1]!;
  const schema = done.length >= 2 ? done[done.length - 2]! : null;
  // Only the first part of three is the database, taken literally (want_literal_dbname).
  const database = done.length === 3 ? literal[0]! : null;
  return { database, schema, name, dots };
}
