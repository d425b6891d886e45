// A table's rows in a split native dump, loaded in a transaction (their own, or with
// --jobs 1 the restore's one), go into the table emptied by TRUNCATE in that transaction
// and are copied FREEZE.
// pg_restore -j does the TRUNCATE for the tables it created (restore_toc_entry in
// pg_backup_archiver.c); FREEZE is pgbak's:
// - with wal_level = minimal the server writes no WAL for the rows (the file is synced
//   at commit), as for pg_restore;
// - the rows are written frozen and all-visible: the index builds that follow and the
//   first reads need not set hint bits on every fresh page (dirtying it a second time),
//   and no vacuum has to freeze them later.
// Nothing is visible before the commit all the same: TRUNCATE holds the table's ACCESS
// EXCLUSIVE lock and its new file is the transaction's, dropped on rollback — so a
// table whose entry does not match (split-part-check.ts) still commits nothing.
// Only for tables the restore itself created (never a data-only dump's: those may have
// triggers, foreign keys and rows of their own) and only ordinary tables (a partitioned
// table refuses TRUNCATE ONLY; a foreign table's would reach the remote server). When
// the TRUNCATE is refused (a privilege the role lacks…) the rows load as written.
import type { QueryClient } from '../db/client.js';
import { quoteQualified } from '../sql/quote.js';
import { copyTarget } from './split-part-check.js';

/** For the loader's prepareCopy: empties the table in the load's transaction and answers the COPY with FREEZE. */
export function frozenCopy(client: QueryClient): (sql: string) => Promise<string> {
  return async (sql) => {
    const target = copyTarget(sql);
    if (target === null) return sql;
    const table = quoteQualified(target.schema, target.table);
    const { rows } = await client.query<{ relkind: string }>('SELECT c.relkind::text AS relkind FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass', [table]);
    if (rows[0]?.relkind !== 'r') return sql;
    try {
      await client.query(`SAVEPOINT pgbak_freeze; TRUNCATE ONLY ${table}; RELEASE SAVEPOINT pgbak_freeze`);
    } catch {
      await client.query('ROLLBACK TO SAVEPOINT pgbak_freeze; RELEASE SAVEPOINT pgbak_freeze');
      return sql;
    }
    return `${sql.slice(0, -';'.length)} WITH (FREEZE);`;
  };
}
