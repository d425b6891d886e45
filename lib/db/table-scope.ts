import type { TableScope } from '../plan/types.js';

/**
 * Decides, in JavaScript, which tables a pg_dump step covers, by the same
 * pattern rules pg_dump uses (psql patterns: `*`, `?`, double quotes keep case,
 * unquoted letters fold to lower case, `schema.table`). An unqualified table
 * pattern matches in the default search path (`"$user"`, `public`), as pg_dump's does.
 */
export function createScopeFilter(scope: TableScope, user: string) {
  const schemaIn = scope.schemas.map((p) => compileName(p));
  const schemaOut = scope.excludeSchemas.map((p) => compileName(p));
  const tableIn = scope.tables.map((p) => compileQualified(p, user));
  const tableOut = scope.excludeTables.map((p) => compileQualified(p, user));
  const dataOut = scope.excludeTableData.map((p) => compileQualified(p, user));
  return {
    /** The table's rows are in the dump. */
    includesData(schema: string, table: string): boolean {
      if (tableIn.length > 0) {
        // pg_dump: "-n and -N have no effect when -t is used"; only -T narrows -t.
        if (!tableIn.some((m) => m(schema, table))) return false;
      } else {
        if (schemaIn.length > 0 && !schemaIn.some((m) => m(schema))) return false;
        if (schemaOut.some((m) => m(schema))) return false;
      }
      if (tableOut.some((m) => m(schema, table))) return false;
      return !dataOut.some((m) => m(schema, table));
    },
    /** The table's definition is in the dump (its rows may still be excluded). */
    includesTable(schema: string, table: string): boolean {
      if (tableIn.length > 0 && !tableIn.some((m) => m(schema, table))) return false;
      if (tableIn.length === 0 && schemaIn.length > 0 && !schemaIn.some((m) => m(schema))) return false;
      if (tableIn.length === 0 && schemaOut.some((m) => m(schema))) return false;
      return !tableOut.some((m) => m(schema, table));
    },
    /**
     * No schema or table pattern narrows the dump, so objects outside schemas
     * (casts, languages, event triggers…) are in it: pg_dump's include_everything,
     * which exclusions alone do not clear.
     */
    includesDatabaseObjects(): boolean {
      return schemaIn.length === 0 && tableIn.length === 0;
    },
    /** The schema may hold dumped objects (for sequences). */
    includesSchema(schema: string): boolean {
      if (schemaOut.some((m) => m(schema))) return false;
      return schemaIn.length === 0 || schemaIn.some((m) => m(schema));
    },
    /**
     * The sequence's value is in the dump: with table patterns, when a pattern names
     * it or the table owning it (pg_dump dumps a selected table's owned sequences);
     * otherwise when its schema is dumped and no exclusion names it.
     */
    includesSequence(schema: string, name: string, owner: { schema: string; table: string } | null): boolean {
      if (schemaOut.some((m) => m(schema)) || tableOut.some((m) => m(schema, name))) return false;
      if (tableIn.length > 0) {
        return tableIn.some((m) => m(schema, name) || (owner !== null && m(owner.schema, owner.table)));
      }
      return schemaIn.length === 0 || schemaIn.some((m) => m(schema));
    },
  };
}

/** Splits a pattern at unquoted dots, converting each part to a RegExp source. */
export function splitPattern(pattern: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '"') {
      if (quoted && pattern[i + 1] === '"') {
        current += '"';
        i++;
      } else quoted = !quoted;
    } else if (quoted) current += escapeRegExp(ch);
    else if (ch === '.') {
      parts.push(current);
      current = '';
    } else if (ch === '*') current += '.*';
    else if (ch === '?') current += '.';
    else current += escapeRegExp(ch.toLowerCase());
  }
  parts.push(current);
  return parts;
}

function compileName(pattern: string): (name: string) => boolean {
  const parts = splitPattern(pattern);
  const re = new RegExp(`^(?:${parts[parts.length - 1]})$`, 's');
  return (name) => re.test(name);
}

function compileQualified(pattern: string, user: string): (schema: string, table: string) => boolean {
  const parts = splitPattern(pattern);
  const table = new RegExp(`^(?:${parts[parts.length - 1]})$`, 's');
  if (parts.length === 1) return (schema, name) => (schema === 'public' || schema === user) && table.test(name);
  const schema = new RegExp(`^(?:${parts[parts.length - 2]})$`, 's');
  return (s, name) => schema.test(s) && table.test(name);
}

function escapeRegExp(ch: string): string {
  return ch.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
