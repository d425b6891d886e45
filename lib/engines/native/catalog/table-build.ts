// Pure builders of a table's DDL in pg_dump's layout: CREATE TABLE with its
// columns and validated CHECK constraints, then the per-column ALTERs pg_dump
// puts in the same entry (NOT NULL of inherited columns, statistics, storage,
// compression, options) and the replica identity.
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import { formatReloptions } from './table-sql.js';

export interface ColumnParts {
  name: string;
  /** format_type(atttypid, atttypmod). */
  type: string;
  notNull: boolean;
  /** The name of the column's NOT NULL constraint (PostgreSQL 18) when it is not the default one, else null. */
  notNullName?: string | null;
  /** The column is written in CREATE TABLE (local, or the table is a partition). */
  printed: boolean;
  /** A parent has NOT NULL on this column (inherited columns only). */
  inheritsNotNull: boolean;
  /** Expression of a generated column, else null. */
  generated: string | null;
  /** A virtual generated column (PostgreSQL 18's attgenerated 'v'), not a stored one. */
  virtual: boolean;
  /** A parent generates this column with the same expression: the child's CREATE TABLE inherits it and must not repeat it. */
  inheritsGeneration: boolean;
  /** Quoted, qualified collation when not the type's default, else null. */
  collation: string | null;
  statistics: number;
  /** attstorage when it differs from the type's typstorage, else null. */
  storage: string | null;
  /** attcompression: 'p', 'l' or '' (default). */
  compression: string;
  /** attoptions (n_distinct=…). */
  options: string[] | null;
  /** A foreign table's column options (`name 'value'`, quoted). */
  fdwOptions?: string[] | null;
}

export interface TableParts {
  schema: string;
  name: string;
  unlogged: boolean;
  columns: ColumnParts[];
  /** Validated CHECK constraints written inside CREATE TABLE. */
  checks: Array<{ name: string; definition: string }>;
  /** Quoted, qualified parents in inhseqno order (plain inheritance, not partitions). */
  inherits: string[];
  /** pg_get_partkeydef for a partitioned table, else null. */
  partitionBy: string | null;
  /** Table access method when it is not heap. */
  accessMethod: string | null;
  reloptions: string[] | null;
  toastReloptions: string[] | null;
  /** relreplident: 'd' default, 'n' nothing, 'f' full, 'i' index (written with the index). */
  replicaIdentity: string;
  /** A foreign table: its server and table options (`name 'value'`, quoted); null for other tables. */
  foreign?: { server: string; options: string[] } | null;
  /** A typed table (`CREATE TABLE … OF type`): the composite type, formatted; its columns come from it. */
  ofType?: string | null;
}

const storageNames: Record<string, string> = { p: 'PLAIN', e: 'EXTERNAL', m: 'MAIN', x: 'EXTENDED' };
const compressionNames: Record<string, string> = { p: 'pglz', l: 'lz4' };

export function buildColumnDefinition(column: ColumnParts): string {
  let sql = `${quoteIdent(column.name)} ${column.type}`;
  if (column.generated !== null && !column.inheritsGeneration) sql += ` GENERATED ALWAYS AS (${column.generated})${column.virtual ? '' : ' STORED'}`;
  if (column.notNull) sql += column.notNullName ? ` CONSTRAINT ${quoteIdent(column.notNullName)} NOT NULL` : ' NOT NULL';
  if (column.collation !== null) sql += ` COLLATE ${column.collation}`;
  return sql;
}

export function buildCreateTable(table: TableParts): string {
  const qualified = quoteQualified(table.schema, table.name);
  const ofType = table.ofType ?? null;
  // A typed table's columns come from its type: only what is the table's own is written (WITH OPTIONS).
  const columnItems =
    ofType === null
      ? table.columns.filter((c) => c.printed).map(buildColumnDefinition)
      : table.columns.filter((c) => c.notNull).map((c) => `${quoteIdent(c.name)} WITH OPTIONS NOT NULL`);
  const items = [
    ...columnItems,
    ...table.checks.map((check) => `CONSTRAINT ${quoteIdent(check.name)} ${check.definition}`),
  ];
  const foreign = table.foreign ?? null;
  const body = `(\n${items.map((i) => `    ${i}`).join(',\n')}${items.length > 0 ? '\n' : ''})`;
  let sql = `CREATE ${table.unlogged ? 'UNLOGGED ' : ''}${foreign ? 'FOREIGN ' : ''}TABLE ${qualified}`;
  if (ofType === null) sql += ` ${body}`;
  else sql += ` OF ${ofType}${items.length > 0 ? ` ${body}` : ''}`;
  if (table.inherits.length > 0) sql += `\nINHERITS (${table.inherits.join(', ')})`;
  if (foreign) {
    sql += `\nSERVER ${foreign.server}`;
    if (foreign.options.length > 0) sql += `\nOPTIONS (\n    ${foreign.options.join(',\n    ')}\n)`;
  }
  if (table.partitionBy !== null) sql += `\nPARTITION BY ${table.partitionBy}`;
  if (table.accessMethod !== null) sql += `\nUSING ${quoteIdent(table.accessMethod)}`;
  const options = [...formatReloptions(table.reloptions), ...formatReloptions(table.toastReloptions, 'toast.')];
  if (options.length > 0) sql += `\nWITH (${options.join(', ')})`;
  sql += ';\n';
  const alterTable = `ALTER ${foreign ? 'FOREIGN ' : ''}TABLE ONLY ${qualified}`;
  for (const column of table.columns) sql += buildColumnAlters(alterTable, ofType === null ? column : { ...column, notNull: false });
  if (table.replicaIdentity === 'n') sql += `ALTER TABLE ONLY ${qualified} REPLICA IDENTITY NOTHING;\n`;
  if (table.replicaIdentity === 'f') sql += `ALTER TABLE ONLY ${qualified} REPLICA IDENTITY FULL;\n`;
  return sql;
}

function buildColumnAlters(alterTable: string, column: ColumnParts): string {
  const alter = `${alterTable} ALTER COLUMN ${quoteIdent(column.name)}`;
  let sql = '';
  if (!column.printed && column.notNull && !column.inheritsNotNull) sql += `${alter} SET NOT NULL;\n`;
  if (column.statistics >= 0) sql += `${alter} SET STATISTICS ${column.statistics};\n`;
  if (column.storage !== null) sql += `${alter} SET STORAGE ${storageNames[column.storage] ?? column.storage};\n`;
  const compression = compressionNames[column.compression];
  if (compression) sql += `${alter} SET COMPRESSION ${compression};\n`;
  const options = formatReloptions(column.options);
  if (options.length > 0) sql += `${alter} SET (${options.join(', ')});\n`;
  if (column.fdwOptions && column.fdwOptions.length > 0) sql += `${alter} OPTIONS (\n    ${column.fdwOptions.join(',\n    ')}\n);\n`;
  return sql;
}

export function buildSetDefault(schema: string, table: string, column: string, expression: string, foreign = false): string {
  return `ALTER ${foreign ? 'FOREIGN ' : ''}TABLE ONLY ${quoteQualified(schema, table)} ALTER COLUMN ${quoteIdent(column)} SET DEFAULT ${expression};\n`;
}
