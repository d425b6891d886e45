import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query } from '../../support/db.js';
import { seedDatabase } from '../../support/seed.js';
import { extractEntry, makeTempDir, pgRestoreList, runBackup } from '../../support/restore-helpers.js';
jest.setTimeout(60_000);
const cluster = getCluster(15);
it('scratch', async () => {
  const db = await createTestDatabase(cluster, 'scratch');
  await seedDatabase(cluster, db.name);
  const env = pgEnv(cluster, db.name);
  for (const args of [['tables', '--table', 'public.orders', '--table', 'billing.invoices'], ['data-only'], ['large-objects'], ['full', '--row-counts', 'estimate'], ['full', '--schema', 'billing']]) {
    const r = await runBackup(args, env);
    const s = r.manifest.steps[0]!;
    console.log(args.join(' '), JSON.stringify({ rc: s.rowCounts, seq: s.sequences, lo: s.largeObjects, w: s.warnings, cmd: s.command.slice(1) }, null, 1));
    if (args[0] === 'large-objects') {
      const dir = await makeTempDir();
      const f = await extractEntry(r.reader, s.entries[0]!.name, join(dir, 'x'));
      console.log(await pgRestoreList(f));
    }
  }
  const dir = await makeTempDir();
  await writeFile(join(dir, 'p.yaml'), 'connection:\n  port: ${RT_PORT}\nsteps:\n  - kind: full\n');
  const r = await runCli(['plan', 'p', '--profiles-dir', dir], { env: { ...env, RT_PORT: String(cluster.port) } });
  console.log('port via var', r.exitCode, r.stderr, r.stdout.slice(0, 300));
  await db.drop();
});
