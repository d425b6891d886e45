// Retention deletes only after a run that did everything its profile asked: a
// step that dumped no table where the previous backup of the profile and
// database had tables is written with a warning (log, manifest, --json), and
// retention (keep-last: 1 here) deletes nothing; nor does a run whose pattern
// matches nothing, which fails with exit 2.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { manifestOf } from '../../support/archive-manifest.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { tempDirs } from '../failures/helpers.js';

const cluster = getCluster(15);
const dirs = tempDirs();
const databases: TestDatabase[] = [];
const engines = hasClientTools() ? (['pg_dump', 'native'] as const) : (['native'] as const);

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
  await dirs.removeAll();
});

async function zipsIn(out: string): Promise<string[]> {
  return (await readdir(out)).filter((file) => file.endsWith('.zip')).sort();
}

interface Summary {
  archive: string;
  log: string;
  steps: Array<{ warnings: string[] }>;
  retention: { deleted: string[]; held?: string } | null;
}

describe.each(engines)('retention after a step that dumped no table, engine %s', (engine) => {
  it('keeps the previous good backup, says why in the log, the manifest and --json, and prunes again once tables are back', async () => {
    const db = await createTestDatabase(cluster, `empty_step_${engine}`);
    databases.push(db);
    await query(cluster, db.name, 'CREATE SCHEMA app; CREATE SCHEMA elsewhere; CREATE TABLE app.orders (id int PRIMARY KEY); INSERT INTO app.orders SELECT generate_series(1, 10)');
    const dir = await dirs.make();
    const profiles = path.join(dir, 'profiles');
    const out = path.join(dir, 'out');
    await mkdir(profiles);
    await writeFile(path.join(profiles, 'app.yaml'), ['retention:', '  keep-last: 1', 'steps:', '  - kind: full', `    engine: ${engine}`, '    schemas: [app]', ''].join('\n'));
    const run = async (...extra: string[]) => {
      const result = await runCli(['run', 'app', '--profiles-dir', profiles, '--output-dir', out, '--json', ...extra], { env: pgEnv(cluster, db.name) });
      return { result, summary: result.exitCode === 0 ? (JSON.parse(result.stdout) as Summary) : null };
    };

    const good = await run();
    expect(good.result.stderr).not.toContain('pgbak: error');
    expect(good.result.exitCode).toBe(0);
    const goodZip = path.basename(good.summary!.archive);

    // A pattern that matches nothing: exit 2, nothing written, nothing deleted.
    const none = await run('-n', 'no_such_schema');
    expect(none.result.exitCode).toBe(2);
    expect(none.result.stderr).toContain('no matching schemas were found for pattern "no_such_schema"');
    expect(await zipsIn(out)).toEqual([goodZip]);

    // The schema is still there, its table moved away: the dump is empty of tables.
    await query(cluster, db.name, 'ALTER TABLE app.orders SET SCHEMA elsewhere');
    const empty = await run();
    expect(empty.result.exitCode).toBe(0);
    const warning = `full (${db.name}): no table was dumped, where the previous backup ${goodZip} had 1; retention deletes nothing after this run`;
    expect(empty.summary!.steps[0]!.warnings).toContain(warning);
    expect(empty.summary!.retention).toEqual({ deleted: [], failed: 0, held: warning });
    expect((await manifestOf(empty.summary!.archive)).steps[0]!.warnings).toContain(warning);
    expect(await readFile(empty.summary!.log, 'utf8')).toContain(warning);
    expect(empty.result.stderr).toContain('retention not applied');
    expect(await zipsIn(out)).toEqual([goodZip, path.basename(empty.summary!.archive)].sort());

    // A second empty run is compared with the last backup that had tables, not with the empty one.
    const again = await run();
    expect(again.result.exitCode).toBe(0);
    expect(again.summary!.retention?.held).toContain(`the previous backup ${goodZip} had 1`);
    expect(await zipsIn(out)).toHaveLength(3);

    // Tables back: retention runs again and keeps the newest only.
    await query(cluster, db.name, 'ALTER TABLE elsewhere.orders SET SCHEMA app');
    const back = await run();
    expect(back.result.exitCode).toBe(0);
    expect(back.summary!.retention?.held).toBeUndefined();
    expect(back.summary!.retention?.deleted).toHaveLength(3);
    expect(await zipsIn(out)).toEqual([path.basename(back.summary!.archive)]);
  });
});
