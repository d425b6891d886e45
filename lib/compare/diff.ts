// Compares two schema models: which objects are missing in the target, which
// are extra, and for the ones in both, exactly what differs. Pure: no database.
import { entryKinds } from '../engines/native/catalog/index.js';
import { quoteIdent, quoteLiteral } from '../sql/quote.js';
import { diffLines } from './line-diff.js';
import type { ModelColumn, ModelObject, SchemaModel } from './model.js';

export interface DiffOptions {
  /** Compare COMMENT ON too (off by default: comments rarely gate a deploy). */
  includeComments?: boolean;
  /** Compare ownership and grants too. */
  includePrivileges?: boolean;
}

/** An object named in a report. */
export interface DriftObject {
  id: string;
  kind: string;
  schema: string | null;
  name: string;
}

/** One thing that differs about an object present on both sides; null: absent on that side. */
export interface DriftChange {
  /** What differs: `column "total" type`, `definition`, `labels`, `version`… */
  what: string;
  source: string | null;
  target: string | null;
}

export interface DifferentObject extends DriftObject {
  changes: DriftChange[];
}

export interface Drift {
  /** In the source, not in the target. */
  missing: DriftObject[];
  /** In the target, not in the source. */
  extra: DriftObject[];
  /** In both, not the same. */
  different: DifferentObject[];
}

/** Objects compare looks at, given the options: data-state and decoration kinds are opt-in. */
export function comparedObjects(model: SchemaModel, options: DiffOptions): ModelObject[] {
  return model.objects.filter((object) => {
    if (object.kind === 'COMMENT') return options.includeComments === true;
    if (object.kind === 'OWNER' || object.kind === 'ACL') return options.includePrivileges === true;
    // A table's column defaults are compared with its columns.
    if (object.kind === 'DEFAULT' && object.table !== undefined) return false;
    return true;
  });
}

/** The drift from `source` (the reference) to `target`. Objects are matched by id; renames are not guessed. */
export function diffModels(source: SchemaModel, target: SchemaModel, options: DiffOptions = {}): Drift {
  const sourceObjects = comparedObjects(source, options);
  const targetById = new Map(comparedObjects(target, options).map((object) => [object.id, object]));
  const sourceIds = new Set(sourceObjects.map((object) => object.id));
  const drift: Drift = { missing: [], extra: [], different: [] };
  for (const object of sourceObjects) {
    const other = targetById.get(object.id);
    if (!other) {
      drift.missing.push(describe(object));
      continue;
    }
    const changes = compareObject(object, other, viewQualifiersDiffer(source, target));
    if (changes.length > 0) drift.different.push({ ...describe(object), changes });
  }
  for (const object of targetById.values()) if (!sourceIds.has(object.id)) drift.extra.push(describe(object));
  drift.missing.sort(byKindThenId);
  drift.extra.sort(byKindThenId);
  drift.different.sort(byKindThenId);
  return drift;
}

/** True when the drift is empty. */
export function isEmptyDrift(drift: Drift): boolean {
  return drift.missing.length === 0 && drift.extra.length === 0 && drift.different.length === 0;
}

function describe(object: ModelObject): DriftObject {
  return { id: object.id, kind: object.kind, schema: object.schema, name: object.name };
}

function compareObject(source: ModelObject, target: ModelObject, viewQualifiers: boolean): DriftChange[] {
  if (source.kind === 'TABLE') return [...compareColumns(source.columns ?? [], target.columns ?? []), ...compareDetails(source, target)];
  // A sequence is its options (its SQL also says which column an identity belongs to, and how: the column tells that).
  if (source.kind === 'SEQUENCE') return compareDetails(source, target);
  // Enum labels are compared as a list; the SQL would say the same less clearly.
  if (source.details?.labels !== undefined || target.details?.labels !== undefined) {
    const labels = compareDetails(source, target);
    return labels.length > 0 ? labels : compareSql(source, target);
  }
  if (viewQualifiers && (source.kind === 'VIEW' || source.kind === 'MATERIALIZED VIEW') && unqualified(source.sql) === unqualified(target.sql)) {
    return compareDetails(source, target);
  }
  return [...compareSql(source, target), ...compareDetails(source, target)];
}

/**
 * PostgreSQL 16 changed pg_get_viewdef: a column of a query over one table is no
 * longer written `orders.total` but `total`. Between a server before 16 and one
 * from 16 on, view definitions are compared without such qualifiers.
 */
function viewQualifiersDiffer(source: SchemaModel, target: SchemaModel): boolean {
  return Math.min(source.serverMajor, target.serverMajor) < 16 && Math.max(source.serverMajor, target.serverMajor) >= 16;
}

function unqualified(sql: string): string {
  return normalizeSql(sql.replace(/(?:"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*)\.(?=["A-Za-z_])/g, ''));
}

function compareSql(source: ModelObject, target: ModelObject): DriftChange[] {
  if (normalizeSql(source.sql) === normalizeSql(target.sql)) return [];
  const { removed, added } = diffLines(source.sql, target.sql);
  return [{ what: 'definition', source: removed.join('\n') || null, target: added.join('\n') || null }];
}

function normalizeSql(sql: string): string {
  return sql
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .filter((line) => line !== '')
    .join('\n');
}

function compareDetails(source: ModelObject, target: ModelObject): DriftChange[] {
  const a = source.details ?? {};
  const b = target.details ?? {};
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((key) => a[key] !== b[key]).map((key) => ({ what: key, source: formatDetail(key, a[key]), target: formatDetail(key, b[key]) }));
}

function formatDetail(key: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  if (key === 'labels') return (JSON.parse(value) as string[]).map((label) => quoteLiteral(label)).join(', ');
  return value;
}

/** Attributes of a column, in the order they are reported. */
const columnAttributes = ['type', 'collation', 'notNull', 'default', 'identity', 'generated'] as const;

function compareColumns(source: ModelColumn[], target: ModelColumn[]): DriftChange[] {
  const changes: DriftChange[] = [];
  const targetByName = new Map(target.map((column) => [column.name, column]));
  const sourceNames = new Set(source.map((column) => column.name));
  for (const column of source) {
    const other = targetByName.get(column.name);
    if (!other) {
      changes.push({ what: `column ${quoteIdent(column.name)}`, source: describeColumn(column), target: null });
      continue;
    }
    for (const attribute of columnAttributes) {
      const a = formatAttribute(column, attribute);
      const b = formatAttribute(other, attribute);
      if (a !== b) changes.push({ what: `column ${quoteIdent(column.name)} ${attributeLabel(attribute)}`, source: a, target: b });
    }
  }
  for (const column of target) {
    if (!sourceNames.has(column.name)) changes.push({ what: `column ${quoteIdent(column.name)}`, source: null, target: describeColumn(column) });
  }
  return changes;
}

function attributeLabel(attribute: (typeof columnAttributes)[number]): string {
  return attribute === 'notNull' ? 'not null' : attribute;
}

function formatAttribute(column: ModelColumn, attribute: (typeof columnAttributes)[number]): string | null {
  if (attribute === 'notNull') return column.notNull ? 'NOT NULL' : 'NULL';
  return column[attribute];
}

/** `numeric(12,2) NOT NULL DEFAULT 0`: a column as one line. */
export function describeColumn(column: ModelColumn): string {
  const parts = [column.type];
  if (column.collation) parts.push(`COLLATE ${column.collation}`);
  if (column.notNull) parts.push('NOT NULL');
  if (column.default !== null) parts.push(`DEFAULT ${column.default}`);
  if (column.identity) parts.push(`GENERATED ${column.identity} AS IDENTITY`);
  if (column.generated) parts.push(`GENERATED ALWAYS AS (${column.generated}) STORED`);
  return parts.join(' ');
}

const kindRank = new Map<string, number>(entryKinds.map((kind, index) => [kind, index]));

function byKindThenId(a: DriftObject, b: DriftObject): number {
  const rank = (kindRank.get(a.kind) ?? entryKinds.length) - (kindRank.get(b.kind) ?? entryKinds.length);
  if (rank !== 0) return rank;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
