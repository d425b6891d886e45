// Subscriptions of the dumped database, as pg_dump's dumpSubscription writes
// them: always WITH (connect = false), so restoring one neither reaches the
// publisher nor creates a slot; it is left disabled until enabled by hand.
// Only a superuser may read subconninfo (as with pg_dump): for any other role
// no subscription is written, and the dump's warnings say how many were left out.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteLiteral } from '../../../sql/quote.js';
import type { CatalogReader, ReadOptions, TocEntry } from '../toc.js';
import { includesDatabaseObjects, makeEntry, toRef } from './fn-entry.js';
import { catalogOid } from './fn-sql.js';

interface SubscriptionRow {
  classid: string;
  oid: string;
  name: string;
  conninfo: string;
  slot: string | null;
  publications: string[];
  synccommit: string;
  binary: boolean;
  stream: string;
  twophase: string;
  disableonerr: boolean;
  passwordrequired: boolean;
  runasowner: boolean;
  origin: string;
  failover: boolean;
}

/** SQL condition on `s` (pg_subscription): a subscription of the current database. */
export const currentDatabaseSubscription = `s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())`;
/** SQL expression: the session's role is a superuser (who alone may read subconninfo). */
export const sessionIsSuperuser = `COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER), false)`;

function subscriptionsQuery(options: ReadOptions): string {
  const major = options.serverMajor;
  const col = (min: number, expression: string, otherwise: string) => (major >= min ? expression : otherwise);
  return `SELECT ${catalogOid('pg_subscription')} AS classid, s.oid, s.subname AS name, s.subconninfo AS conninfo,
  s.subslotname AS slot, s.subpublications AS publications, s.subsynccommit AS synccommit,
  ${col(14, 's.subbinary', 'false')} AS binary, ${col(14, 's.substream::text', "'f'")} AS stream,
  ${col(15, 's.subtwophasestate::text', "'d'")} AS twophase, ${col(15, 's.subdisableonerr', 'false')} AS disableonerr,
  ${col(16, 's.subpasswordrequired', 'true')} AS passwordrequired, ${col(16, 's.subrunasowner', 'false')} AS runasowner,
  ${col(16, 's.suborigin', "'any'")} AS origin, ${col(17, 's.subfailover', 'false')} AS failover
FROM pg_catalog.pg_subscription s WHERE ${currentDatabaseSubscription} ORDER BY s.subname`;
}

/** CREATE SUBSCRIPTION … WITH (connect = false, …) in pg_dump's layout. */
export function subscriptionSql(row: Omit<SubscriptionRow, 'classid' | 'oid'>): string {
  const options = ['connect = false', `slot_name = ${row.slot === null ? 'NONE' : quoteLiteral(row.slot)}`];
  if (row.binary) options.push('binary = true');
  // substream: a boolean before 16 ('t'/'true'), then 'f', 't' or 'p' (parallel).
  if (row.stream === 'p') options.push('streaming = parallel');
  else if (row.stream === 't' || row.stream === 'true') options.push('streaming = on');
  if (row.twophase !== 'd') options.push('two_phase = on');
  if (row.disableonerr) options.push('disable_on_error = true');
  if (!row.passwordrequired) options.push('password_required = false');
  if (row.runasowner) options.push('run_as_owner = true');
  if (row.failover) options.push('failover = true');
  if (row.origin !== 'any') options.push(`origin = ${row.origin}`);
  if (row.synccommit !== 'off') options.push(`synchronous_commit = ${quoteLiteral(row.synccommit)}`);
  const publications = row.publications.map(quoteIdent).join(', ');
  return `CREATE SUBSCRIPTION ${quoteIdent(row.name)} CONNECTION ${quoteLiteral(row.conninfo)} PUBLICATION ${publications} WITH (${options.join(', ')});\n`;
}

export const readSubscriptions: CatalogReader = async (client: QueryClient, options) => {
  if (!includesDatabaseObjects(options)) return [];
  const { rows } = await client.query<{ superuser: boolean; count: string }>(
    `SELECT ${sessionIsSuperuser} AS superuser, (SELECT pg_catalog.count(*) FROM pg_catalog.pg_subscription s WHERE ${currentDatabaseSubscription})::text AS count`,
  );
  const { superuser, count } = rows[0]!;
  if (Number(count) === 0) return [];
  if (!superuser) {
    // An entry without SQL, so that the dump's warnings carry the note (pg_dump only warns).
    return [
      {
        id: 'SUBSCRIPTION (not readable)',
        kind: 'SUBSCRIPTION',
        section: 'post-data',
        schema: null,
        name: 'subscriptions',
        ref: null,
        dependsOn: [],
        sql: '',
        warning: `${count} subscription${count === '1' ? '' : 's'} left out: reading a subscription's connection needs a superuser (as with pg_dump)`,
      } satisfies TocEntry,
    ];
  }
  return (await client.query<SubscriptionRow>(subscriptionsQuery(options))).rows.map((row) =>
    makeEntry({
      id: `SUBSCRIPTION ${quoteIdent(row.name)}`,
      kind: 'SUBSCRIPTION',
      section: 'post-data',
      schema: null,
      name: row.name,
      ref: toRef(row.classid, row.oid),
      sql: subscriptionSql(row),
    }),
  );
};
