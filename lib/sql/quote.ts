/**
 * Quotes an identifier for SQL: always double-quoted, embedded quotes doubled.
 * The one function through which every identifier pgbak writes into SQL passes.
 * NUL cannot appear in a PostgreSQL identifier; refuse it rather than truncate.
 * An empty name is no identifier either; refuse it too.
 */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL byte');
  // `""` is a syntax error in PostgreSQL (zero-length delimited identifier): fail here, not in the server.
  if (name === '') throw new Error('identifier is empty');
  return `"${name.replace(/"/g, '""')}"`;
}

/** `schema.name`, each part quoted. */
export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

const plain = /^[a-z_][a-z0-9_$]*$/;

/**
 * A readable, unambiguous display key (`public.orders`, `"Weird Schema"."Order Items"`):
 * parts are quoted only when they would not read back as the same name.
 * Used as keys in manifests; never executed.
 */
export function displayName(schema: string, name: string): string {
  const part = (p: string) => (plain.test(p) ? p : quoteIdent(p));
  return `${part(schema)}.${part(name)}`;
}

/** A string literal for SQL with standard_conforming_strings on. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('string contains a NUL byte');
  return `'${value.replace(/'/g, "''")}'`;
}
