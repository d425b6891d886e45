// `pgbak verify` of a native backup creates its scratch database with the dumped
// database's encoding and locales (the manifest's databaseDefinition), so that a
// LATIN1 or C-collation database is verified as `restore --create` would make it;
// where the server cannot (a locale it lacks), it says so and uses the server's defaults.
import { readFile } from 'node:fs/promises';
import { jest } from '@jest/globals';
import { hasClientTools, pgEnv, query } from '../../support/db.js';
import { removeTempDirs, runBackup, type Backup } from '../../support/restore-helpers.js';
import { quoteIdent } from '../../../lib/sql/quote.js';
import { cluster, leftScratchDatabases, pgbak, testState } from './helpers.js';
import { rewriteManifest } from './tamper.js';

jest.setTimeout(120_000);

const describeWithTools = hasClientTools(['psql']) ? describe : describe.skip;
const state = testState();
let source: string;
let backup: Backup;

interface Verdict {
  ok: boolean;
  databases: Array<{ scratch: string; scratchDefinition: { encoding: string; collate: string; ctype: string; createdAs: string }; checks: Array<{ tables: number }> }>;
}

beforeAll(async () => {
  source = state.unusedName('vf_latin1');
  await query(cluster, 'postgres', `CREATE DATABASE ${quoteIdent(source)} TEMPLATE template0 ENCODING 'LATIN1' LOCALE 'C'`);
  // Characters LATIN1 holds and a UTF8 scratch database would hold too: only the encoding tells.
  await query(cluster, source, "CREATE TABLE words (w text PRIMARY KEY); INSERT INTO words VALUES ('café'), ('Ærø'), ('über')");
  backup = await runBackup(['full', '--engine', 'native'], pgEnv(cluster, source));
});

afterAll(async () => {
  backup?.reader.close();
  await state.cleanUp();
  await removeTempDirs();
});

describeWithTools('pgbak verify: the scratch database is made like the dumped one', () => {
  it('verifies a LATIN1 database in a LATIN1 scratch database with its locales, and says so', async () => {
    const result = await pgbak(['verify', backup.archive, '--json']);

    expect(result.exitCode).toBe(0);
    const verdict = JSON.parse(result.stdout) as Verdict;
    expect(verdict.ok).toBe(true);
    expect(verdict.databases[0]!.scratchDefinition).toEqual({ encoding: 'LATIN1', collate: 'C', ctype: 'C', createdAs: 'dumped' });
    expect(verdict.databases[0]!.checks[0]!.tables).toBe(1);
    expect(result.stderr).toContain(`${source}: scratch database ${verdict.databases[0]!.scratch} created as the dumped one was (LATIN1, C)`);
    expect(await leftScratchDatabases()).toEqual([]);
  });

  it("falls back to the server's defaults, saying why, when the server lacks the dumped locale", async () => {
    const elsewhere = await rewriteManifest(backup.archive, (manifest) => {
      const definition = manifest.steps.find((step) => step.database === source)!.databaseDefinition!;
      definition.collate = 'xx_NOWHERE.LATIN1';
      definition.ctype = 'xx_NOWHERE.LATIN1';
    });
    const [template] = await query<{ encoding: string }>(cluster, 'postgres', "SELECT pg_catalog.pg_encoding_to_char(encoding) AS encoding FROM pg_catalog.pg_database WHERE datname = 'template0'");

    const result = await pgbak(['verify', elsewhere, '--json']);

    expect(result.exitCode).toBe(0);
    const verdict = JSON.parse(result.stdout) as Verdict;
    expect(verdict.ok).toBe(true);
    expect(verdict.databases[0]!.scratchDefinition).toMatchObject({ encoding: template!.encoding, createdAs: 'server default' });
    expect(result.stderr).toMatch(new RegExp(`warning: ${source}: the scratch database cannot be created as the dumped one was \\(LATIN1, xx_NOWHERE\\.LATIN1\\): .*xx_NOWHERE.*; verifying in one with the server's defaults`));
    const record = JSON.parse(await readFile(`${elsewhere}.verified.json`, 'utf8')) as { ok: boolean };
    expect(record.ok).toBe(true);
    expect(await leftScratchDatabases()).toEqual([]);
  });
});
