// compare --sql: the DDL that would bring the target to the source's shape, in
// an order that can run: removals first (the target's dependents before what
// they depend on), then creations and changes in the source's dependency order,
// then column defaults. Destructive statements are marked; pgbak never runs it.
import type { Drift } from './diff.js';
import type { ModelObject, SchemaModel } from './model.js';
import { alterObject, createStatements } from './sql-alter.js';
import { dropStatements } from './sql-drop.js';
import { alterTable } from './sql-table.js';
import type { Statement } from './statement.js';

export interface MigrationScript {
  /** The statements in the order they should run. */
  statements: Statement[];
  /** How many of them are marked destructive. */
  destructive: number;
}

/** Orders the statements for `drift` (computed from `source` to `target`). */
export function buildMigration(source: SchemaModel, target: SchemaModel, drift: Drift): MigrationScript {
  const sourceById = new Map(source.objects.map((object) => [object.id, object]));
  const missing = new Set(drift.missing.map((object) => object.id));
  const extra = new Set(drift.extra.map((object) => object.id));
  const different = new Set(drift.different.map((object) => object.id));

  const removals: Statement[] = [];
  const drops: Statement[] = [];
  const changes: Statement[] = [];
  const defaults: Statement[] = [];
  const changesOf = new Map<string, Statement[]>();

  // Target objects, last first: what depends on an object is dropped before it.
  for (const object of [...target.objects].reverse()) {
    if (extra.has(object.id)) drops.push(...dropStatements(object));
    else if (different.has(object.id)) {
      const theirs = sourceById.get(object.id)!;
      if (object.kind === 'TABLE') {
        const table = alterTable(theirs, object, target.serverMajor);
        removals.push(...table.removals);
        changesOf.set(object.id, table.changes);
        defaults.push(...table.defaults);
      } else {
        const altered = alterObject(theirs, object);
        drops.push(...altered.drops);
        changesOf.set(object.id, altered.changes);
      }
    }
  }
  const createdTables = new Set([...missing].filter((id) => sourceById.get(id)?.kind === 'TABLE'));
  for (const object of source.objects) {
    if (missing.has(object.id)) changes.push(...createStatements(object));
    else if (isDefaultOfCreatedTable(object, createdTables)) changes.push(...createStatements(object));
    else if (different.has(object.id)) changes.push(...(changesOf.get(object.id) ?? []));
  }
  const statements = [...removals, ...drops, ...changes, ...defaults];
  return { statements, destructive: statements.filter((s) => s.destructive).length };
}

// A table's column defaults are compared with its columns, but a table the
// script creates needs its DEFAULT entries too, at their own place in the order.
function isDefaultOfCreatedTable(object: ModelObject, createdTables: ReadonlySet<string>): boolean {
  return object.kind === 'DEFAULT' && object.table !== undefined && createdTables.has(object.table);
}

/** The script as text, with a header naming both sides and a comment on every statement that needs one. */
export function renderMigration(script: MigrationScript, sides: { source: string; target: string }): string {
  const lines = [
    `-- pgbak compare --sql: DDL that would bring the target to the shape of the source.`,
    `--   source: ${sides.source}`,
    `--   target: ${sides.target}`,
    `-- pgbak never runs it: review it, then run it yourself (psql -v ON_ERROR_STOP=1 -f).`,
  ];
  if (script.statements.length === 0) return `${[...lines, '-- No drift: nothing to do.'].join('\n')}\n`;
  lines.push(script.destructive > 0 ? `-- ${script.destructive} statement(s) marked DESTRUCTIVE drop objects or data.` : '-- Nothing in it drops objects or data.');
  // As pg_dump's scripts: every name below is qualified, and function bodies may
  // name tables created further down.
  lines.push('', "SELECT pg_catalog.set_config('search_path', '', false);", 'SET check_function_bodies = false;');
  for (const s of script.statements) {
    lines.push('');
    if (s.destructive) lines.push(`-- DESTRUCTIVE: ${s.destructive}`);
    if (s.note) lines.push(`-- REVIEW: ${s.note}`);
    if (s.sql) lines.push(s.sql);
  }
  return `${lines.join('\n')}\n`;
}
