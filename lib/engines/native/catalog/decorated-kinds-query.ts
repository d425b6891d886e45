// The branches of the decorated-objects view (acl-objects-query.ts) for the
// kinds outside the table and code families: statistics objects, languages,
// casts, text search objects, operators, operator classes and families. Each selects the columns of DecoratedObject in the view's order:
// kind, classid, objid, schema, name, args, parent, parent_classid,
// parent_objid, constraint_objid, owner, acl, base, identity_sequence,
// grant_args, parent_schema.
import { dumpedAccessMethod } from './access-methods.js';
import { dumpedServer, dumpedWrapper } from './foreign-data.js';
import { operatorArgs } from './operators.js';
import { dumpedTransform, transformName } from './transforms.js';
import { currentDatabaseSubscription, sessionIsSuperuser } from './subscriptions.js';
import { dumpedOperatorClass, dumpedOperatorFamily } from './operator-classes.js';
import { catalogOid, isNotExtensionMember, isNotInternalPart, isUserSchema } from './fn-sql.js';
import type { PresenceKey } from './presence.js';

// FirstNormalObjectId: objects below it were made by initdb and exist in every database.
const FIRST_NORMAL_OID = 16384;

/**
 * SQL condition on `pg_cast c`: a cast a dump re-creates (pg_dump's
 * selectDumpableCast), not the range-to-multirange cast CREATE TYPE … AS RANGE makes.
 */
export const dumpedCast = `c.oid >= ${FIRST_NORMAL_OID} AND ${isNotExtensionMember('pg_cast', 'c.oid')} AND ${isNotInternalPart('pg_cast', 'c.oid')}`;

/** SQL condition on `pg_language l`: a procedural language a dump re-creates (not initdb's, not an extension's). */
export const dumpedLanguage = `l.lanispl AND l.oid >= ${FIRST_NORMAL_OID} AND ${isNotExtensionMember('pg_language', 'l.oid')}`;

const statistics = `SELECT 'STATISTICS', ${catalogOid('pg_statistic_ext')}, s.oid, n.nspname, s.stxname, NULL, t.relname,
         ${catalogOid('pg_class')}, t.oid, NULL, pg_catalog.pg_get_userbyid(s.stxowner), NULL, NULL, false, NULL, tn.nspname
  FROM pg_catalog.pg_statistic_ext s
  JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
  JOIN pg_catalog.pg_class t ON t.oid = s.stxrelid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
  WHERE ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_statistic_ext', 's.oid')}`;

const languages = `SELECT 'LANGUAGE', ${catalogOid('pg_language')}, l.oid, NULL, l.lanname, NULL, NULL, NULL, NULL, NULL,
         pg_catalog.pg_get_userbyid(l.lanowner), l.lanacl::pg_catalog.text[],
         pg_catalog.acldefault('l', l.lanowner)::pg_catalog.text[], false, NULL, NULL
  FROM pg_catalog.pg_language l
  WHERE ${dumpedLanguage}`;

const casts = `SELECT 'CAST', ${catalogOid('pg_cast')}, c.oid, NULL,
         pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL),
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_cast c
  WHERE ${dumpedCast}`;

/** A branch for objects named `schema.name` with an owner (or none) and no privileges. */
function schemaObject(kind: string, catalog: string, prefix: string, owner: boolean): string {
  return `SELECT '${kind}', ${catalogOid(catalog)}, o.oid, n.nspname, o.${prefix}name, NULL, NULL, NULL, NULL, NULL,
         ${owner ? `pg_catalog.pg_get_userbyid(o.${prefix}owner)` : 'NULL'}, NULL, NULL, false, NULL, NULL
  FROM pg_catalog.${catalog} o JOIN pg_catalog.pg_namespace n ON n.oid = o.${prefix}namespace
  WHERE ${isUserSchema('n.nspname')} AND ${isNotExtensionMember(catalog, 'o.oid')}`;
}

const textSearch = [
  schemaObject('TEXT SEARCH PARSER', 'pg_ts_parser', 'prs', false),
  schemaObject('TEXT SEARCH TEMPLATE', 'pg_ts_template', 'tmpl', false),
  schemaObject('TEXT SEARCH DICTIONARY', 'pg_ts_dict', 'dict', true),
  schemaObject('TEXT SEARCH CONFIGURATION', 'pg_ts_config', 'cfg', true),
];

// An operator's args column holds its identity arguments (`integer, integer`, `NONE, integer`).
const operators = `SELECT 'OPERATOR', ${catalogOid('pg_operator')}, o.oid, n.nspname, o.oprname, ${operatorArgs('o')}, NULL, NULL, NULL, NULL,
         pg_catalog.pg_get_userbyid(o.oprowner), NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
  WHERE o.oprcode <> 0 AND ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_operator', 'o.oid')}`;

// An operator class's or family's args column holds its access method (its name is unique per method only).
const operatorFamilies = `SELECT 'OPERATOR FAMILY', ${catalogOid('pg_opfamily')}, f.oid, n.nspname, f.opfname, am.amname, NULL, NULL, NULL, NULL,
         pg_catalog.pg_get_userbyid(f.opfowner), NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
  WHERE ${dumpedOperatorFamily}`;

const operatorClasses = `SELECT 'OPERATOR CLASS', ${catalogOid('pg_opclass')}, c.oid, n.nspname, c.opcname, am.amname, NULL, NULL, NULL, NULL,
         pg_catalog.pg_get_userbyid(c.opcowner), NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
  WHERE ${dumpedOperatorClass}`;

const conversions = schemaObject('CONVERSION', 'pg_conversion', 'con', true);

const transforms = `SELECT 'TRANSFORM', ${catalogOid('pg_transform')}, tr.oid, NULL, ${transformName}, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_transform tr JOIN pg_catalog.pg_language l ON l.oid = tr.trflang WHERE ${dumpedTransform}`;

const publications = `SELECT 'PUBLICATION', ${catalogOid('pg_publication')}, p.oid, NULL, p.pubname, NULL, NULL, NULL, NULL, NULL,
         pg_catalog.pg_get_userbyid(p.pubowner), NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_publication p`;

// Only a superuser's dump writes subscriptions: nothing to decorate otherwise.
const subscriptions = `SELECT 'SUBSCRIPTION', ${catalogOid('pg_subscription')}, s.oid, NULL, s.subname, NULL, NULL, NULL, NULL, NULL,
         pg_catalog.pg_get_userbyid(s.subowner), NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_subscription s WHERE ${currentDatabaseSubscription} AND ${sessionIsSuperuser}`;

const accessMethods = `SELECT 'ACCESS METHOD', ${catalogOid('pg_am')}, am.oid, NULL, am.amname, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_am am WHERE ${dumpedAccessMethod}`;

const wrappers = `SELECT 'FOREIGN DATA WRAPPER', ${catalogOid('pg_foreign_data_wrapper')}, w.oid, NULL, w.fdwname, NULL, NULL, NULL, NULL, NULL,
         pg_catalog.pg_get_userbyid(w.fdwowner), w.fdwacl::pg_catalog.text[],
         pg_catalog.acldefault('F', w.fdwowner)::pg_catalog.text[], false, NULL, NULL
  FROM pg_catalog.pg_foreign_data_wrapper w WHERE ${dumpedWrapper}`;

const servers = `SELECT 'SERVER', ${catalogOid('pg_foreign_server')}, s.oid, NULL, s.srvname, NULL, NULL, NULL, NULL, NULL,
         pg_catalog.pg_get_userbyid(s.srvowner), s.srvacl::pg_catalog.text[],
         pg_catalog.acldefault('S', s.srvowner)::pg_catalog.text[], false, NULL, NULL
  FROM pg_catalog.pg_foreign_server s WHERE ${dumpedServer}`;

/** One branch of the decorated-objects view, left out when none of the catalogs it `needs` holds anything. */
export interface ViewBranch {
  needs?: readonly PresenceKey[];
  sql: string;
}

/** The branches above, to follow the view's own. */
export const decoratedKindsBranches: readonly ViewBranch[] = [
  { needs: ['pg_statistic_ext'], sql: statistics },
  { needs: ['pg_language'], sql: languages },
  { needs: ['pg_cast'], sql: casts },
  { needs: ['pg_ts_parser'], sql: textSearch[0]! },
  { needs: ['pg_ts_template'], sql: textSearch[1]! },
  { needs: ['pg_ts_dict'], sql: textSearch[2]! },
  { needs: ['pg_ts_config'], sql: textSearch[3]! },
  { needs: ['pg_operator'], sql: operators },
  { needs: ['pg_opfamily'], sql: operatorFamilies },
  { needs: ['pg_opclass'], sql: operatorClasses },
  { needs: ['pg_am'], sql: accessMethods },
  { needs: ['pg_foreign_data_wrapper'], sql: wrappers },
  { needs: ['pg_foreign_server'], sql: servers },
  { needs: ['pg_conversion'], sql: conversions },
  { needs: ['pg_transform'], sql: transforms },
  { needs: ['pg_publication'], sql: publications },
  { needs: ['pg_subscription'], sql: subscriptions },
];
