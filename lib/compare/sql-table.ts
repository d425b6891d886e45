// ALTER TABLE statements that bring a target table to the source's shape,
// column by column, split by when they must run: removals before anything the
// script drops, additions in the source's dependency order, and defaults at the
// end (a default may call a sequence or function the script creates later).
import { formatReloptions } from '../engines/native/catalog/index.js';
import { quoteIdent } from '../sql/quote.js';
import { checkDetailPrefix } from './inspect-details.js';
import type { ModelColumn, ModelObject } from './model.js';
import { sqlName } from './sql-names.js';
import { statement, type Statement } from './statement.js';

export interface TableStatements {
  /** Run before the drops of the script: removals of columns, constraints, defaults. */
  removals: Statement[];
  /** Run at the table's place in the source's order. */
  changes: Statement[];
  /** Run after everything else: column defaults. */
  defaults: Statement[];
}

/** Statements for a table present on both sides; `targetMajor` decides which ALTER forms exist. */
export function alterTable(source: ModelObject, target: ModelObject, targetMajor: number): TableStatements {
  const table = sqlName(source);
  const out: TableStatements = { removals: [], changes: [], defaults: [] };
  const targetColumns = new Map((target.columns ?? []).map((c) => [c.name, c]));
  const sourceNames = new Set((source.columns ?? []).map((c) => c.name));
  for (const column of target.columns ?? []) {
    if (!sourceNames.has(column.name)) {
      out.removals.push(statement(`ALTER TABLE ${table} DROP COLUMN IF EXISTS ${quoteIdent(column.name)};`, { destructive: `drops column ${quoteIdent(column.name)} of ${table} and its data` }));
    }
  }
  for (const column of source.columns ?? []) {
    const other = targetColumns.get(column.name);
    if (other) alterColumn(table, column, other, targetMajor, out);
    else addColumn(table, column, out);
  }
  alterDetails(table, source.details ?? {}, target.details ?? {}, out);
  return out;
}

/** Statements for a column missing in the target table. Identity comes with the identity sequence's own entry. */
export function addColumn(table: string, column: ModelColumn, out: TableStatements): void {
  const parts = [column.type];
  if (column.collation) parts.push(`COLLATE ${column.collation}`);
  const later = column.default !== null && /\bnextval\(/.test(column.default);
  if (column.default !== null && !later) parts.push(`DEFAULT ${column.default}`);
  if (column.generated) parts.push(`GENERATED ALWAYS AS (${column.generated}) STORED`);
  if (column.notNull) parts.push('NOT NULL');
  const note = column.notNull && (column.default === null || later) && !column.generated && !column.identity ? 'fails if the table has rows: NOT NULL without a default' : undefined;
  out.changes.push(statement(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${quoteIdent(column.name)} ${parts.join(' ')};`, note ? { note } : {}));
  if (later) out.defaults.push(statement(`ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(column.name)} SET DEFAULT ${column.default};`));
}

function alterColumn(table: string, source: ModelColumn, target: ModelColumn, targetMajor: number, out: TableStatements): void {
  const column = `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(source.name)}`;
  if (source.generated !== target.generated) {
    if (source.generated === null) out.changes.push(statement(`${column} DROP EXPRESSION;`));
    else if (target.generated !== null && targetMajor >= 17) out.changes.push(statement(`${column} SET EXPRESSION AS (${source.generated});`));
    else {
      // A column cannot become generated in place (nor change its expression before PostgreSQL 17).
      out.changes.push(statement(`ALTER TABLE ${table} DROP COLUMN ${quoteIdent(source.name)};`, { destructive: `recreates column ${quoteIdent(source.name)} of ${table}: its data is recomputed` }));
      addColumn(table, source, out);
      return;
    }
  }
  if (source.type !== target.type || source.collation !== target.collation) {
    const collate = source.collation ? ` COLLATE ${source.collation}` : '';
    out.changes.push(statement(`${column} TYPE ${source.type}${collate};`, { destructive: `changes the type of ${quoteIdent(source.name)} (rewrites ${table}; values that do not convert fail the statement)` }));
  }
  if (source.notNull !== target.notNull) {
    out.changes.push(statement(`${column} ${source.notNull ? 'SET' : 'DROP'} NOT NULL;`, source.notNull ? { note: 'fails if the column holds NULLs' } : {}));
  }
  if (source.default !== target.default) {
    if (source.default === null) out.removals.push(statement(`${column} DROP DEFAULT;`));
    else out.defaults.push(statement(`${column} SET DEFAULT ${source.default};`));
  }
  // Identity added or removed comes with the identity sequence's entry; here only its kind.
  if (source.identity !== null && target.identity !== null && source.identity !== target.identity) {
    out.changes.push(statement(`${column} SET GENERATED ${source.identity};`));
  }
}

function alterDetails(table: string, source: Record<string, string>, target: Record<string, string>, out: TableStatements): void {
  const keys = [...new Set([...Object.keys(source), ...Object.keys(target)])].sort();
  for (const key of keys) {
    const a = source[key];
    const b = target[key];
    if (a === b) continue;
    if (key.startsWith(checkDetailPrefix)) {
      const name = key.slice(checkDetailPrefix.length);
      if (b !== undefined) out.removals.push(statement(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${name};`, { destructive: `drops CHECK constraint ${name} of ${table}` }));
      if (a !== undefined) out.changes.push(statement(`ALTER TABLE ${table} ADD CONSTRAINT ${name} ${a};`, { note: 'fails if existing rows violate it' }));
    } else if (key === 'persistence') {
      out.changes.push(statement(`ALTER TABLE ${table} SET ${a === 'UNLOGGED' ? 'UNLOGGED' : 'LOGGED'};`));
    } else if (key === 'options') {
      const names = (b ?? '').split(', ').filter(Boolean).map((option) => quoteIdent(option.split('=')[0]!));
      if (names.length > 0) out.changes.push(statement(`ALTER TABLE ${table} RESET (${names.join(', ')});`));
      const options = formatReloptions((a ?? '').split(', ').filter(Boolean));
      if (options.length > 0) out.changes.push(statement(`ALTER TABLE ${table} SET (${options.join(', ')});`));
    } else {
      out.changes.push(statement('', { note: `${table}: ${key} differs (source: ${a ?? 'none'}; target: ${b ?? 'none'}); it cannot be changed in place: recreate the table` }));
    }
  }
}
