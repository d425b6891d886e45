// Entry ids and signatures shared by the readers of functions, triggers,
// rules, policies and their decorations. Ids follow the engine's agreed form
// `KIND "schema"."name"`; routines add their identity arguments.
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { EntryKind, ObjectRef, ReadOptions, TocEntry } from '../toc.js';

/** `"schema"."name"(identity arguments)`, as COMMENT/ALTER/GRANT name a routine. */
export function routineSignature(schema: string, name: string, identityArgs: string, aggregate = false): string {
  // An aggregate without arguments is written `agg(*)`.
  return `${quoteQualified(schema, name)}(${aggregate && identityArgs === '' ? '*' : identityArgs})`;
}

/** `"schema"."table" "name"` (the table family's form for constraints): a trigger, rule or policy is unique per table only. */
export function tableMemberId(schema: string, table: string, name: string): string {
  return `${quoteQualified(schema, table)} ${quoteIdent(name)}`;
}

/** Whether the dump holds objects outside schemas (casts, languages, event triggers…): no pattern narrows it. */
export function includesDatabaseObjects(options: ReadOptions): boolean {
  return options.includesDatabaseObjects ?? true;
}

/** A pg_depend identity from a query row. */
export function toRef(classid: number | string, objid: number | string): ObjectRef {
  return { classid: Number(classid), objid: Number(objid) };
}

/** An entry with the fields most readers leave empty filled in. */
export function makeEntry(entry: Omit<TocEntry, 'dependsOn'> & { dependsOn?: ObjectRef[] }): TocEntry {
  const { after, ...rest } = entry;
  return { ...rest, dependsOn: entry.dependsOn ?? [], ...(after && after.length > 0 ? { after } : {}) };
}

/** The columns every query of table members (triggers, rules, policies) returns. */
export interface TableMemberRow {
  classid: number | string;
  oid: number | string;
  table_classid: number | string;
  table_oid: number | string;
  schema: string;
  table: string;
  name: string;
}

/**
 * One post-data entry per member of a dumped table: the shared shape of the
 * trigger, rule and policy readers. `extra` adds dependencies beyond the table.
 */
export function tableMemberEntries<R extends TableMemberRow>(
  rows: readonly R[],
  options: ReadOptions,
  kind: Extract<EntryKind, 'TRIGGER' | 'RULE' | 'POLICY'>,
  sql: (row: R) => string,
  extra: (row: R) => ObjectRef[] = () => [],
): TocEntry[] {
  return rows
    .filter((row) => options.includesTable(row.schema, row.table))
    .map((row) =>
      makeEntry({
        id: `${kind} ${tableMemberId(row.schema, row.table, row.name)}`,
        kind,
        section: 'post-data',
        schema: row.schema,
        name: `${row.table} ${row.name}`,
        ref: toRef(row.classid, row.oid),
        dependsOn: [toRef(row.table_classid, row.table_oid), ...extra(row)],
        sql: sql(row),
      }),
    );
}

/** The columns every reader of a schema-qualified object selects: its ref, its schema's ref, and its names. */
export interface SchemaObjectRow {
  classid: string;
  oid: string;
  namespace_classid: string;
  namespace: string;
  schema: string;
  name: string;
}
