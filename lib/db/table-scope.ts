import { relationKey, type ResolvedScope } from './resolve-scope.js';

/** Which schemas, tables and rows a step dumps, by pg_dump's selection rules. */
export interface ScopeFilter {
  /** The table's rows are in the dump. */
  includesData(schema: string, table: string): boolean;
  /** The table's definition is in the dump (its rows may still be excluded). */
  includesTable(schema: string, table: string): boolean;
  /**
   * No schema or table pattern narrows the dump, so objects outside schemas
   * (casts, languages, event triggers…) are in it: pg_dump's include_everything,
   * which exclusions alone do not clear.
   */
  includesDatabaseObjects(): boolean;
  /** The schema may hold dumped objects (for sequences). */
  includesSchema(schema: string): boolean;
  /**
   * The sequence's value is in the dump: with table patterns, when a pattern names
   * it or the table owning it (pg_dump dumps a selected table's owned sequences);
   * otherwise when its schema is dumped and no exclusion names it.
   */
  includesSequence(schema: string, name: string, owner: { schema: string; table: string } | null): boolean;
}

/**
 * Applies pg_dump's selection rules (selectDumpableNamespace / selectDumpableTable)
 * to a scope whose patterns the server has resolved (`resolveScope`); null: the
 * step has no pattern, everything is in.
 */
export function createScopeFilter(resolved: ResolvedScope | null): ScopeFilter {
  const none: ReadonlySet<string> = new Set();
  const schemaIn = resolved?.schemas ?? null;
  const schemaOut = resolved?.excludedSchemas ?? none;
  const tableIn = resolved?.tables ?? null;
  const tableOut = resolved?.excludedTables ?? none;
  const dataOut = resolved?.excludedTableData ?? none;
  const has = (set: ReadonlySet<string>, schema: string, name: string) => set.has(relationKey(schema, name));
  const includesTable = (schema: string, table: string): boolean => {
    if (tableIn !== null) {
      // pg_dump: -n and -N do not apply to tables selected with -t; only -T narrows -t.
      if (!has(tableIn, schema, table)) return false;
    } else {
      if (schemaIn !== null && !schemaIn.has(schema)) return false;
      if (schemaOut.has(schema)) return false;
    }
    return !has(tableOut, schema, table);
  };
  return {
    includesData: (schema, table) => includesTable(schema, table) && !has(dataOut, schema, table),
    includesTable,
    includesDatabaseObjects: () => schemaIn === null && tableIn === null,
    includesSchema: (schema) => !schemaOut.has(schema) && (schemaIn === null || schemaIn.has(schema)),
    includesSequence(schema, name, owner) {
      if (schemaOut.has(schema) || has(tableOut, schema, name)) return false;
      if (tableIn !== null) return has(tableIn, schema, name) || (owner !== null && has(tableIn, owner.schema, owner.table));
      return schemaIn === null || schemaIn.has(schema);
    },
  };
}
