// How to remove an object that is in the target and not in the source (or that
// must be dropped and created again): one statement per entry kind, IF EXISTS so
// that what an earlier drop took with it does not stop the script.
import type { ModelObject } from './model.js';
import { invertGrants } from './sql-grants.js';
import { memberName, qualifiedAfter, sqlName } from './sql-names.js';
import { statement, type Statement } from './statement.js';

const dropKeyword: Readonly<Record<string, string>> = {
  SCHEMA: 'SCHEMA',
  EXTENSION: 'EXTENSION',
  COLLATION: 'COLLATION',
  TYPE: 'TYPE',
  DOMAIN: 'DOMAIN',
  FUNCTION: 'FUNCTION',
  PROCEDURE: 'PROCEDURE',
  AGGREGATE: 'AGGREGATE',
  SEQUENCE: 'SEQUENCE',
  TABLE: 'TABLE',
  VIEW: 'VIEW',
  'MATERIALIZED VIEW': 'MATERIALIZED VIEW',
  INDEX: 'INDEX',
  'PROCEDURAL LANGUAGE': 'LANGUAGE',
  CAST: 'CAST',
  OPERATOR: 'OPERATOR',
  // Their ids carry `USING method`, which DROP needs after the name.
  'OPERATOR FAMILY': 'OPERATOR FAMILY',
  'OPERATOR CLASS': 'OPERATOR CLASS',
  'TEXT SEARCH PARSER': 'TEXT SEARCH PARSER',
  'TEXT SEARCH TEMPLATE': 'TEXT SEARCH TEMPLATE',
  'TEXT SEARCH DICTIONARY': 'TEXT SEARCH DICTIONARY',
  'TEXT SEARCH CONFIGURATION': 'TEXT SEARCH CONFIGURATION',
  STATISTICS: 'STATISTICS',
  'EVENT TRIGGER': 'EVENT TRIGGER',
};

/** What dropping an object of the kind destroys, for the DESTRUCTIVE comment. */
const loses: Readonly<Record<string, string>> = {
  SCHEMA: 'drops the schema (fails while it holds objects)',
  TABLE: 'drops the table and its rows',
  'MATERIALIZED VIEW': 'drops the materialized view and its rows',
  SEQUENCE: 'drops the sequence and its current value',
  EXTENSION: 'drops the extension and the objects it created',
};

/** Statements that remove `object` from the target; empty when there is nothing to undo (an owner). */
export function dropStatements(object: ModelObject): Statement[] {
  const name = () => sqlName(object);
  const destructive = loses[object.kind] ?? `drops ${object.id}`;
  switch (object.kind) {
    case 'SEQUENCE': {
      const identity = object.details?.['identity of'];
      if (identity) return [statement(`ALTER TABLE ${identity} DROP IDENTITY IF EXISTS;`, { destructive: `drops the identity of ${identity}` })];
      return [statement(`DROP SEQUENCE IF EXISTS ${name()};`, { destructive })];
    }
    case 'CONSTRAINT':
    case 'FK CONSTRAINT': {
      const { table, member } = memberName(object);
      const on = object.sql.startsWith('ALTER DOMAIN') ? 'DOMAIN' : 'TABLE';
      return [statement(`ALTER ${on} ${table} DROP CONSTRAINT IF EXISTS ${member};`, { destructive })];
    }
    case 'TRIGGER':
    case 'RULE':
    case 'POLICY': {
      const { table, member } = memberName(object);
      return [statement(`DROP ${object.kind} IF EXISTS ${member} ON ${table};`, { destructive })];
    }
    case 'DEFAULT': {
      const { table, member } = memberName(object);
      return [statement(`ALTER VIEW ${table} ALTER COLUMN ${member} DROP DEFAULT;`)];
    }
    case 'ROW SECURITY':
      return [statement(`ALTER TABLE ${name()} NO FORCE ROW LEVEL SECURITY;\nALTER TABLE ${name()} DISABLE ROW LEVEL SECURITY;`, { destructive: `turns row-level security off on ${name()}` })];
    case 'SEQUENCE OWNED BY':
      return [statement(`ALTER SEQUENCE ${name()} OWNED BY NONE;`)];
    case 'TABLE ATTACH': {
      const parent = qualifiedAfter(object.sql, 'ALTER TABLE ONLY ');
      if (parent) return [statement(`ALTER TABLE ${parent} DETACH PARTITION ${name()};`, { destructive: `detaches partition ${name()} (its rows leave ${parent})` })];
      break;
    }
    case 'INDEX ATTACH':
      return [statement('', { note: `${object.id}: an attached index partition cannot be detached; drop or recreate the parent index` })];
    case 'COMMENT':
      return [statement(`COMMENT ON ${name()} IS NULL;`)];
    case 'OWNER':
      return [];
    case 'ACL':
      return invertGrants(object.sql);
    default: {
      const keyword = dropKeyword[object.kind];
      if (keyword) return [statement(`DROP ${keyword} IF EXISTS ${name()};`, { destructive })];
    }
  }
  return [statement('', { note: `${object.id}: pgbak does not know how to drop this kind of object; remove it by hand` })];
}
