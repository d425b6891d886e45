import type { CatalogReader } from '../toc.js';
import type { PresenceKey } from './presence.js';
import { readCollations } from './collations.js';
import { readConstraints } from './constraints.js';
import { readExtensions } from './extensions.js';
import { readIndexes } from './indexes.js';
import { readPartitions } from './partitions.js';
import { readSchemas } from './schemas.js';
import { readSequences } from './sequences.js';
import { readTables } from './tables.js';
import { readTypes } from './types.js';
import { readBaseTypes } from './base-types.js';
import { readAccessMethods } from './access-methods.js';
import { readForeignData } from './foreign-data.js';
import { readConversions } from './conversions.js';
import { readTransforms } from './transforms.js';
import { readPublications } from './publications.js';
import { readSubscriptions } from './subscriptions.js';
import { readExtensionMemberAcls } from './extension-member-acls.js';
import { readSecurityLabels } from './security-labels.js';
import { readViews } from './views.js';
import { readAcls } from './acl.js';
import { readAggregates } from './aggregates.js';
import { readComments } from './comments.js';
import { readFunctions } from './functions.js';
import { readLargeObjects } from './large-objects.js';
import { readOwners } from './owners.js';
import { readPolicies, readRowSecurity } from './policies.js';
import { readRules } from './rules.js';
import { readTriggers } from './triggers.js';
import { readCasts } from './casts.js';
import { readEventTriggers } from './event-triggers.js';
import { readLanguages } from './languages.js';
import { readOperators } from './operators.js';
import { readOperatorClasses, readOperatorFamilies } from './operator-classes.js';
import { readStatistics } from './statistics.js';
import { readTextSearch } from './text-search.js';
import { readTextSearchParsers } from './text-search-parsers.js';

/**
 * Every catalog reader of the native engine, one per object family. The order
 * here does not matter: the orderer sorts the entries they return.
 */
export const catalogReaders: CatalogReader[] = [
  readSchemas,
  readExtensions,
  readCollations,
  readTypes,
  readBaseTypes,
  readSequences,
  readTables,
  readPartitions,
  readConstraints,
  readIndexes,
  readViews,
  readFunctions,
  readAggregates,
  readTriggers,
  readRules,
  readPolicies,
  readRowSecurity,
  readComments,
  readOwners,
  readAcls,
  readLargeObjects,
  readStatistics,
  readEventTriggers,
  readCasts,
  readLanguages,
  readTextSearchParsers,
  readTextSearch,
  readOperators,
  readOperatorFamilies,
  readOperatorClasses,
  readAccessMethods,
  readForeignData,
  readConversions,
  readTransforms,
  readPublications,
  readSubscriptions,
  readExtensionMemberAcls,
  readSecurityLabels,
];

/**
 * Readers that select only from these catalogs' own objects (user schemas, or made
 * after initdb): when none of the catalogs holds anything (readCatalogPresence),
 * the reader would return nothing and is not run. Readers not named here always run.
 */
export const readerCatalogs: ReadonlyMap<CatalogReader, readonly PresenceKey[]> = new Map<CatalogReader, readonly PresenceKey[]>([
  [readSchemas, ['schemas']],
  [readSequences, ['relations']],
  // The tables reader also writes the column defaults of views.
  [readTables, ['relations', 'views']],
  [readConstraints, ['relations']],
  [readIndexes, ['relations']],
  [readExtensions, ['pg_extension']],
  [readTypes, ['pg_type']],
  [readBaseTypes, ['pg_type']],
  [readViews, ['views']],
  [readPartitions, ['partitions']],
  [readRowSecurity, ['row_security']],
  [readCollations, ['pg_collation']],
  [readFunctions, ['pg_proc']],
  [readAggregates, ['pg_proc']],
  [readTriggers, ['pg_trigger']],
  [readRules, ['pg_rewrite']],
  [readPolicies, ['pg_policy']],
  [readLargeObjects, ['pg_largeobject_metadata']],
  [readStatistics, ['pg_statistic_ext']],
  [readEventTriggers, ['pg_event_trigger']],
  [readCasts, ['pg_cast']],
  [readLanguages, ['pg_language']],
  [readTextSearchParsers, ['pg_ts_parser', 'pg_ts_template']],
  [readTextSearch, ['pg_ts_dict', 'pg_ts_config']],
  [readOperators, ['pg_operator']],
  [readOperatorFamilies, ['pg_opfamily']],
  [readOperatorClasses, ['pg_opclass']],
  [readAccessMethods, ['pg_am']],
  [readForeignData, ['pg_foreign_data_wrapper', 'pg_foreign_server']],
  [readConversions, ['pg_conversion']],
  [readTransforms, ['pg_transform']],
  [readPublications, ['pg_publication']],
  [readSubscriptions, ['pg_subscription']],
]);
