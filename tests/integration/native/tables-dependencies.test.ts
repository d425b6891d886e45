// The `tables` kind dumps the chosen tables only, as pg_dump -t does; the native
// engine notes what they need that is not in the dump, in the log and the manifest.
import { getCluster, pgEnv } from '../../support/db.js';
import { runBackup, trackTestResources } from '../../support/restore-helpers.js';
import { baseStatements } from '../compare/seed.js';
import { query } from '../../support/db.js';

const cluster = getCluster(15);
const resources = trackTestResources(cluster);
afterAll(() => resources.release());

describe('native tables kind', () => {
  it('notes the objects the chosen tables need that the dump leaves out', async () => {
    const db = await resources.freshDatabase('native_tables_deps');
    for (const statement of baseStatements) await query(cluster, db.name, statement);
    const backup = resources.keep(await runBackup(['tables', '--engine', 'native', '--table', 'app.orders'], pgEnv(cluster, db.name)));
    const warnings = backup.manifest.steps[0]!.warnings;
    const needed = warnings.filter((w) => w.startsWith('not in this dump'));
    // The referenced table is outside the dump: named once, as the table (not also its primary key's index).
    expect(needed).toEqual([
      'not in this dump, needed by FK CONSTRAINT "app"."orders" "orders_customer_id_fkey": table app.customers (the restore target must have it)',
    ]);
    expect(new Set(needed).size).toBe(needed.length);
    expect(await backup.reader.readText('pgbak.log')).toContain('not in this dump, needed by FK CONSTRAINT');
  });

  it('notes nothing when the chosen tables need nothing else', async () => {
    const db = await resources.freshDatabase('native_tables_alone');
    await query(cluster, db.name, 'CREATE TABLE lonely (id int PRIMARY KEY, note text)');
    const backup = resources.keep(await runBackup(['tables', '--engine', 'native', '--table', 'public.lonely'], pgEnv(cluster, db.name)));
    expect(backup.manifest.steps[0]!.warnings.filter((w) => w.startsWith('not in this dump'))).toEqual([]);
  });
});
