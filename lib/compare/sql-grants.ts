// Undoing grants: the native engine writes privileges as pg_dump does, as
// GRANT/REVOKE statements relative to the object's default privileges. Undoing
// them statement by statement, last first, brings the object back to its
// defaults; the source's statements then give it the source's privileges.
import { statement, type Statement } from './statement.js';

/** The inverse of each GRANT/REVOKE in `sql`, in reverse order. */
export function invertGrants(sql: string): Statement[] {
  const inverted = splitStatements(sql).map(invertOne).reverse();
  if (inverted.length === 0) return [];
  return [statement(inverted.join('\n'), { note: 'privileges the source does not have: check that no application relies on them' })];
}

function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.endsWith(';'));
}

/** `[ALTER DEFAULT PRIVILEGES … ]GRANT x ON y TO z[ WITH GRANT OPTION];` ⇄ `…REVOKE x ON y FROM z;` */
function invertOne(line: string): string {
  const grant = topLevelIndex(line, ' GRANT ', 'GRANT ');
  const revoke = topLevelIndex(line, ' REVOKE ', 'REVOKE ');
  const isGrant = grant !== -1 && (revoke === -1 || grant < revoke);
  const at = isGrant ? grant : revoke;
  if (at === -1) return `-- not a GRANT or REVOKE, left as is: ${line}`;
  const prefix = line.slice(0, at);
  const keywordEnd = at + (isGrant ? 'GRANT ' : 'REVOKE ').length + (at === 0 ? 0 : 1);
  let body = line.slice(keywordEnd, -1);
  if (isGrant) body = body.replace(/ WITH GRANT OPTION$/, '');
  const separator = isGrant ? ' TO ' : ' FROM ';
  const split = lastTopLevelIndex(body, separator);
  if (split === -1) return `-- could not be inverted, left as is: ${line}`;
  const what = body.slice(0, split);
  const who = body.slice(split + separator.length);
  return isGrant ? `${prefix}${prefix ? ' ' : ''}REVOKE ${what} FROM ${who};` : `${prefix}${prefix ? ' ' : ''}GRANT ${what} TO ${who};`;
}

// Positions outside double-quoted identifiers and string literals.
function outsideQuotes(text: string): boolean[] {
  const mask: boolean[] = [];
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote === null && (char === '"' || char === "'")) {
      quote = char;
      mask.push(false);
    } else if (quote !== null && char === quote) {
      quote = null;
      mask.push(false);
    } else mask.push(quote === null);
  }
  return mask;
}

function topLevelIndex(text: string, needle: string, atStart: string): number {
  if (text.startsWith(atStart)) return 0;
  const mask = outsideQuotes(text);
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) if (mask[i]) return i;
  return -1;
}

function lastTopLevelIndex(text: string, needle: string): number {
  const mask = outsideQuotes(text);
  for (let i = text.lastIndexOf(needle); i !== -1; i = i === 0 ? -1 : text.lastIndexOf(needle, i - 1)) if (mask[i]) return i;
  return -1;
}
