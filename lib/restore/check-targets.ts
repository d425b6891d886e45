import type { Connection } from '../config/connection-types.js';
import { withClient, type QueryClient } from '../db/client.js';
import { PgbakError } from '../errors.js';
import { databaseExists, findTableWithRows, listUserTables } from './target-db.js';
import type { RestoreItem } from './types.js';

/** The safety flags that decide whether a target may be written. */
export interface TargetFlags {
  create?: boolean | undefined;
  clean?: boolean | undefined;
  force?: boolean | undefined;
  dataOnly?: boolean | undefined;
}

/**
 * Checks every target database before anything is written and returns the ones
 * to create. A missing target needs --create; a target holding user tables needs
 * --clean or --force (for --data-only: tables holding rows), so that a typo in
 * --target never mixes a backup into a live database.
 */
export async function checkTargets(maintenance: QueryClient, connection: Connection, items: RestoreItem[], flags: TargetFlags): Promise<string[]> {
  const targets = [...new Set(items.filter((item) => item.database !== null).map((item) => item.target))];
  const toCreate: string[] = [];
  for (const target of targets) {
    if (!(await databaseExists(maintenance, target))) {
      if (!flags.create) {
        throw new PgbakError('DATABASE_MISSING', `the target database "${target}" does not exist on ${connection.host}:${connection.port}`, {
          hint: 'pass --create to create it, or --target <name> to restore into another database',
        });
      }
      toCreate.push(target);
      continue;
    }
    if (flags.force) continue;
    const problem = await withClient(connection, target, async (client) => {
      const tables = await listUserTables(client);
      if (flags.dataOnly) {
        const full = await findTableWithRows(client, tables);
        return full === null ? null : `its table ${full} already holds rows`;
      }
      if (flags.clean || tables.length === 0) return null;
      const names = tables.slice(0, 3).map((t) => `${t.schema}.${t.name}`).join(', ');
      return `it already holds ${tables.length} user table${tables.length === 1 ? '' : 's'} (${names}${tables.length > 3 ? ', …' : ''})`;
    });
    if (problem !== null) {
      throw new PgbakError('TARGET_NOT_EMPTY', `refusing to restore into "${target}": ${problem}`, {
        hint: flags.dataOnly
          ? 'restore into a database whose tables are empty, or pass --force to add the rows anyway'
          : 'pass --clean to drop and recreate the archived objects, --force to restore on top, or --target <new name> --create',
      });
    }
  }
  return toCreate;
}
