// Statements for an object present on both sides but different (tables aside:
// ./sql-table.ts): an ALTER where PostgreSQL has one, CREATE OR REPLACE where
// that is safe, otherwise drop and create again.
import { quoteLiteral } from '../sql/quote.js';
import type { ModelObject } from './model.js';
import { dropStatements } from './sql-drop.js';
import { invertGrants } from './sql-grants.js';
import { quotedIdentifiers, sqlName } from './sql-names.js';
import { statement, type Statement } from './statement.js';

/** Kinds that change by being dropped and created again. */
const recreatedKinds: ReadonlySet<string> = new Set([
  'CONSTRAINT',
  'FK CONSTRAINT',
  'INDEX',
  'TRIGGER',
  'RULE',
  'POLICY',
  'ROW SECURITY',
  'MATERIALIZED VIEW',
  'AGGREGATE',
  'COLLATION',
  'DOMAIN',
  'TYPE',
  'TABLE ATTACH',
  'PROCEDURAL LANGUAGE',
  'CAST',
  'OPERATOR',
  'OPERATOR FAMILY',
  'OPERATOR CLASS',
  'TEXT SEARCH PARSER',
  'TEXT SEARCH TEMPLATE',
  'TEXT SEARCH DICTIONARY',
  'TEXT SEARCH CONFIGURATION',
  'STATISTICS',
  'EVENT TRIGGER',
]);

export interface AlterStatements {
  /** Run with the script's drops (in the target's reverse order). */
  drops: Statement[];
  /** Run at the object's place in the source's order. */
  changes: Statement[];
}

/** Statements that make `target` (not a table) like `source`. */
export function alterObject(source: ModelObject, target: ModelObject): AlterStatements {
  const name = sqlName(source);
  switch (source.kind) {
    case 'SEQUENCE': {
      const changed = Object.keys(source.details ?? {})
        .filter((key) => key !== 'identity of' && source.details![key] !== target.details?.[key])
        .map((key) => source.details![key]!);
      return { drops: [], changes: changed.length > 0 ? [statement(`ALTER SEQUENCE ${name} ${changed.join(' ')};`)] : [] };
    }
    case 'TYPE':
      if (source.details?.labels !== undefined && target.details?.labels !== undefined) return { drops: [], changes: alterEnum(name, source, target) };
      break;
    case 'EXTENSION':
      return { drops: [], changes: alterExtension(name, source, target) };
    case 'VIEW':
      return {
        drops: [],
        changes: [statement(source.sql.replace(/^CREATE VIEW /, 'CREATE OR REPLACE VIEW '), { note: 'CREATE OR REPLACE VIEW fails when columns are removed, renamed or change type: then DROP VIEW first' })],
      };
    case 'FUNCTION':
    case 'PROCEDURE':
      return {
        drops: [],
        changes: [statement(source.sql.replace(/^CREATE FUNCTION /, 'CREATE OR REPLACE FUNCTION ').replace(/^CREATE PROCEDURE /, 'CREATE OR REPLACE PROCEDURE '), { note: 'fails when the result type changes: then DROP it first' })],
      };
    case 'ACL':
      return { drops: [], changes: [...invertGrants(target.sql), statement(source.sql)] };
    case 'COMMENT':
    case 'OWNER':
    case 'DEFAULT':
    case 'SEQUENCE OWNED BY':
      return { drops: [], changes: [statement(source.sql)] };
    default:
      break;
  }
  if (recreatedKinds.has(source.kind)) return { drops: dropStatements(target), changes: createStatements(source) };
  return { drops: [], changes: [statement('', { note: `${source.id} differs; pgbak does not alter this kind of object: compare the definitions and change it by hand` })] };
}

/** Statements that create `object` as the source has it. */
export function createStatements(object: ModelObject): Statement[] {
  const created = [statement(object.sql)];
  if (object.kind === 'MATERIALIZED VIEW') created.push(statement(`REFRESH MATERIALIZED VIEW ${sqlName(object)};`));
  return created;
}

// Labels the target lacks are added in the source's place; labels cannot be
// removed or reordered in place.
function alterEnum(name: string, source: ModelObject, target: ModelObject): Statement[] {
  const wanted = JSON.parse(source.details!.labels!) as string[];
  const have = JSON.parse(target.details!.labels!) as string[];
  const present = new Set(have);
  const out: Statement[] = [];
  wanted.forEach((label, index) => {
    if (present.has(label)) return;
    const where = index === 0 ? (have.length > 0 ? ` BEFORE ${quoteLiteral(have[0]!)}` : '') : ` AFTER ${quoteLiteral(wanted[index - 1]!)}`;
    out.push(statement(`ALTER TYPE ${name} ADD VALUE IF NOT EXISTS ${quoteLiteral(label)}${where};`));
    present.add(label);
  });
  const extra = have.filter((label) => !wanted.includes(label));
  if (extra.length > 0) {
    out.push(statement('', { note: `${name} has labels the source does not (${extra.map(quoteLiteral).join(', ')}): an enum label cannot be dropped; recreate the type` }));
  }
  const kept = have.filter((label) => wanted.includes(label));
  const order = wanted.filter((label) => have.includes(label));
  if (kept.join('\u0000') !== order.join('\u0000')) out.push(statement('', { note: `${name}: labels are in another order; an enum cannot be reordered in place: recreate the type` }));
  return out;
}

function alterExtension(name: string, source: ModelObject, target: ModelObject): Statement[] {
  const out: Statement[] = [];
  const schema = (object: ModelObject) => quotedIdentifiers(object.sql).at(-1);
  if (schema(source) !== schema(target) && schema(source)) out.push(statement(`ALTER EXTENSION ${name} SET SCHEMA ${schema(source)};`));
  const version = source.details?.version;
  if (version && version !== target.details?.version) {
    out.push(statement(`ALTER EXTENSION ${name} UPDATE TO ${quoteLiteral(version)};`, { note: 'the target server must have this version of the extension installed' }));
  }
  return out;
}
