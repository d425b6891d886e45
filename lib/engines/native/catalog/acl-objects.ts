// The objects a dump can decorate with COMMENT, OWNER and GRANT (read by the
// query in acl-objects-query.ts, shared by those three readers): which of them a
// dump holds, and how SQL and the entry ids name each kind.
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { ObjectRef, ReadOptions, Section } from '../toc.js';
import type { AclObjectType } from './acl-items.js';
import { operatorName } from './operators.js';
import { operatorClassName } from './operator-classes.js';
import { includesDatabaseObjects, routineSignature, tableMemberId } from './fn-entry.js';

export { decoratedObjectsCte } from './acl-objects-query.js';

/** What a decorated object is, in the words COMMENT ON uses (plus two of pgbak's own). */
export type DecoratedKind =
  | 'SCHEMA'
  | 'EXTENSION'
  | 'TABLE'
  | 'VIEW'
  | 'MATERIALIZED VIEW'
  | 'SEQUENCE'
  | 'FOREIGN TABLE'
  /** The pg_class row of a composite type: only its columns carry comments. */
  | 'COMPOSITE'
  | 'INDEX'
  | 'TYPE'
  | 'DOMAIN'
  | 'COLLATION'
  | 'FUNCTION'
  | 'PROCEDURE'
  | 'AGGREGATE'
  | 'CONSTRAINT'
  | 'DOMAIN CONSTRAINT'
  | 'TRIGGER'
  | 'POLICY'
  | 'RULE'
  | 'LARGE OBJECT'
  | 'STATISTICS'
  | 'LANGUAGE'
  | 'CAST'
  | 'TEXT SEARCH PARSER'
  | 'TEXT SEARCH TEMPLATE'
  | 'TEXT SEARCH DICTIONARY'
  | 'TEXT SEARCH CONFIGURATION'
  | 'OPERATOR'
  | 'OPERATOR FAMILY'
  | 'OPERATOR CLASS'
  | 'ACCESS METHOD'
  | 'FOREIGN DATA WRAPPER'
  | 'SERVER'
  | 'CONVERSION'
  /** Named `FOR type LANGUAGE lang`. */
  | 'TRANSFORM'
  | 'PUBLICATION'
  | 'SUBSCRIPTION';

/** One row of the decorated-objects view. */
export interface DecoratedObject {
  kind: DecoratedKind;
  classid: number;
  objid: number;
  /** The object's schema (an extension's: the one it was installed in); null for schemas and large objects. */
  schema: string | null;
  name: string;
  /** Identity arguments of a routine or an operator; an operator class's or family's access method. */
  args: string | null;
  /** The table (or domain) a constraint, index, trigger, rule or policy belongs to; a sequence's owning table. */
  parent: string | null;
  parent_classid: number | null;
  parent_objid: number | null;
  /** For an index that a constraint created: the constraint, which is what creates it in a dump. */
  constraint_objid: number | null;
  /** The owner's role name; null for objects without an owner of their own (indexes, triggers…). */
  owner: string | null;
  acl: string[] | null;
  /** acldefault() for the object: what it has right after CREATE. */
  base: string[] | null;
  /** A sequence behind an identity column: it follows its table's owner, with no ALTER of its own. */
  identity_sequence: boolean;
  /** An aggregate's argument types (`integer, text`; '' for `agg(*)`), the form GRANT … ON FUNCTION needs. */
  grant_args: string | null;
  /** The schema of `parent` where it may differ from the object's (a statistics object's table). */
  parent_schema: string | null;
}

/**
 * Whether the dump holds the object, by the profile's schema and table patterns.
 * Objects of a table (indexes, constraints, triggers, rules, policies) follow it.
 */
export function isDecoratedObjectIncluded(object: DecoratedObject, options: ReadOptions): boolean {
  switch (object.kind) {
    case 'SCHEMA':
      return options.includesSchema(object.name);
    case 'LARGE OBJECT':
      // Whether large objects are in the dump is decided for their entries and decorations together.
      return true;
    case 'TABLE':
    case 'VIEW':
    case 'MATERIALIZED VIEW':
    case 'FOREIGN TABLE':
      return options.includesTable(object.schema ?? '', object.name);
    case 'SEQUENCE':
      // A sequence owned by a column goes with its table (pg_dump's rule).
      return options.includesTable(object.schema ?? '', object.parent ?? object.name);
    case 'INDEX':
    case 'CONSTRAINT':
    case 'TRIGGER':
    case 'POLICY':
    case 'RULE':
      return options.includesTable(object.schema ?? '', object.parent ?? '');
    case 'STATISTICS':
      return options.includesSchema(object.schema ?? '') && options.includesTable(object.parent_schema ?? '', object.parent ?? '');
    case 'LANGUAGE':
    case 'CAST':
    case 'ACCESS METHOD':
    case 'FOREIGN DATA WRAPPER':
    case 'SERVER':
    case 'TRANSFORM':
    case 'PUBLICATION':
    case 'SUBSCRIPTION':
      return includesDatabaseObjects(options);
    default:
      return options.includesSchema(object.schema ?? '');
  }
}

/** How SQL names a decorated object after the keyword (`"s"."t"`, `"s"."f"(integer)`, `"c" ON "s"."t"`). */
export function objectSqlName(object: DecoratedObject): string {
  const schema = object.schema ?? '';
  switch (object.kind) {
    case 'SCHEMA':
    case 'EXTENSION':
    case 'LANGUAGE':
    case 'ACCESS METHOD':
    case 'FOREIGN DATA WRAPPER':
    case 'SERVER':
    case 'PUBLICATION':
    case 'SUBSCRIPTION':
      return quoteIdent(object.name);
    case 'LARGE OBJECT':
    case 'TRANSFORM':
      return object.name;
    case 'CAST':
      return `(${object.name})`;
    case 'OPERATOR':
      return `${operatorName(schema, object.name)} (${object.args ?? ''})`;
    case 'OPERATOR FAMILY':
    case 'OPERATOR CLASS':
      return operatorClassName(schema, object.name, object.args ?? '');
    case 'FUNCTION':
    case 'PROCEDURE':
      return routineSignature(schema, object.name, object.args ?? '');
    case 'AGGREGATE':
      return routineSignature(schema, object.name, object.args ?? '', true);
    case 'CONSTRAINT':
    case 'TRIGGER':
    case 'POLICY':
    case 'RULE':
      return `${quoteIdent(object.name)} ON ${quoteQualified(schema, object.parent ?? '')}`;
    case 'DOMAIN CONSTRAINT':
      return `${quoteIdent(object.name)} ON DOMAIN ${quoteQualified(schema, object.parent ?? '')}`;
    default:
      return quoteQualified(schema, object.name);
  }
}

/** The SQL keyword of COMMENT ON for the object. */
export function commentKeyword(kind: DecoratedKind): string {
  if (kind === 'DOMAIN CONSTRAINT') return 'CONSTRAINT';
  if (kind === 'COMPOSITE') return 'TYPE';
  return kind;
}

/**
 * The id of the entry that creates the object, in the engine's agreed form.
 * Objects of a table are named `"schema"."table"."name"`.
 */
export function objectEntryId(object: DecoratedObject): string {
  const schema = object.schema ?? '';
  switch (object.kind) {
    case 'SCHEMA':
    case 'EXTENSION':
      return `${object.kind} ${quoteIdent(object.name)}`;
    case 'LANGUAGE':
      return `PROCEDURAL LANGUAGE ${quoteIdent(object.name)}`;
    case 'LARGE OBJECT':
      return `LARGE OBJECT ${object.name}`;
    case 'COMPOSITE':
      return `TYPE ${quoteQualified(schema, object.name)}`;
    case 'CONSTRAINT':
    case 'TRIGGER':
    case 'POLICY':
    case 'RULE':
      return `${object.kind} ${tableMemberId(schema, object.parent ?? '', object.name)}`;
    case 'DOMAIN CONSTRAINT':
      return `CONSTRAINT ${tableMemberId(schema, object.parent ?? '', object.name)}`;
    default:
      return `${object.kind} ${objectSqlName(object)}`;
  }
}

/** Kinds whose entries this engineer's readers write (so their ids are known to exist). */
const ownEntryKinds = new Set<DecoratedKind>(['FUNCTION', 'PROCEDURE', 'AGGREGATE', 'TRIGGER', 'POLICY', 'RULE', 'LARGE OBJECT']);

/**
 * Ordering for an entry that decorates the object: its refs (the object, the
 * table or domain it belongs to, the constraint behind an index) for the orderer
 * to resolve, and the object's entry id when it is one of this family's own.
 */
export function decorationOrder(object: DecoratedObject): { dependsOn: ObjectRef[]; after: string[] } {
  const dependsOn: ObjectRef[] = [{ classid: object.classid, objid: object.objid }];
  if (object.parent_classid !== null && object.parent_objid !== null) {
    dependsOn.push({ classid: object.parent_classid, objid: object.parent_objid });
  }
  if (object.constraint_objid !== null) {
    dependsOn.push({ classid: PG_CONSTRAINT_OID, objid: object.constraint_objid });
  }
  return { dependsOn, after: ownEntryKinds.has(object.kind) ? [objectEntryId(object)] : [] };
}

// pg_constraint's OID: fixed (2606) in every PostgreSQL release, like all catalog OIDs below 10000.
const PG_CONSTRAINT_OID = 2606;

/** Post-data for what lives on a table after its data (indexes, constraints, triggers…), else pre-data. */
export function decorationSection(kind: DecoratedKind): Section {
  return kind === 'INDEX' || kind === 'CONSTRAINT' || kind === 'TRIGGER' || kind === 'POLICY' || kind === 'RULE' || kind === 'STATISTICS' || kind === 'PUBLICATION' || kind === 'SUBSCRIPTION'
    ? 'post-data'
    : 'pre-data';
}

/** The GRANT object type for an object's privileges, as pg_dump writes it. */
export function aclObjectType(kind: DecoratedKind): AclObjectType | null {
  switch (kind) {
    case 'SCHEMA':
      return 'SCHEMA';
    case 'TABLE':
    case 'VIEW':
    case 'MATERIALIZED VIEW':
    case 'FOREIGN TABLE':
      return 'TABLE';
    case 'SEQUENCE':
      return 'SEQUENCE';
    case 'TYPE':
    case 'DOMAIN':
      return 'TYPE';
    case 'FUNCTION':
    case 'AGGREGATE':
      return 'FUNCTION';
    case 'PROCEDURE':
      return 'PROCEDURE';
    case 'LARGE OBJECT':
      return 'LARGE OBJECT';
    case 'LANGUAGE':
      return 'LANGUAGE';
    case 'FOREIGN DATA WRAPPER':
      return 'FOREIGN DATA WRAPPER';
    case 'SERVER':
      return 'FOREIGN SERVER';
    default:
      return null;
  }
}
