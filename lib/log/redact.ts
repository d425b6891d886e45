/** Replaces secrets in a piece of text with `***`. */
export type Redactor = (text: string) => string;

const MASK = '***';

// Secrets that have a recognisable shape, whether or not pgbak was told about them.
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // postgres://user:pass@host — the password may hold an unescaped '@', so take the last one before the path.
  [/\b(postgres(?:ql)?:\/\/[^:/?#\s@]*:)[^\s/?#]*@/gi, `$1${MASK}@`],
  // PGPASSWORD=… in an environment listing or a shell line.
  [/\b(PGPASSWORD\s*=\s*)(?:'[^']*'|"(?:[^"\\]|\\.)*"|\S+)/g, `$1${MASK}`],
  // password=… in a conninfo string or URL query; libpq allows quotes and \' inside them.
  [/\b(password\s*=\s*)(?:'(?:[^'\\]|\\.)*'|\S+)/gi, `$1${MASK}`],
];

// What text must contain for any of PATTERNS to match (they are tried only then).
const MAY_HOLD_PASSWORD = /postgres|password/i;

/**
 * Builds a redactor for the given secrets (each non-empty one is replaced wherever
 * it appears, longest first so that a secret containing another is hidden whole)
 * and for passwords in conninfo strings, postgres:// URLs and PGPASSWORD=….
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const literal = [...new Set(secrets.filter((secret) => secret.length > 0))].sort((a, b) => b.length - a.length);
  const secretPattern = literal.length > 0 ? new RegExp(literal.map(escapeRegExp).join('|'), 'g') : undefined;
  return (text) => {
    let result = secretPattern ? text.replace(secretPattern, MASK) : text;
    // Every pattern needs one of these words: most lines (pg_dump's progress) have neither.
    if (!MAY_HOLD_PASSWORD.test(result)) return result;
    for (const [pattern, replacement] of PATTERNS) result = result.replace(pattern, replacement);
    return result;
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Characters that never need quoting in a POSIX shell word.
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Renders an argv as a POSIX shell command line, for display only (pgbak never
 * runs through a shell): words with anything but safe characters are single-quoted,
 * with embedded single quotes written as '\''.
 */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}

function quoteWord(word: string): string {
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
