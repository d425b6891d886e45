import type { CatalogReader } from '../toc.js';
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
