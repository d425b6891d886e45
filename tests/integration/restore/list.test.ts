// `pgbak restore --list`: pg_restore reads the table of contents, exits and closes
// its stdin while pgbak may still be writing the entry into it. That broken pipe
// is no failure, and pg_restore is never stopped for it.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { hasClientTools, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { makeTempDir, removeTempDirs } from '../../support/restore-helpers.js';
import { cluster, pgbak, testState } from './helpers.js';

jest.setTimeout(180_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const state = testState();
let alpha: TestDatabase;
let beta: TestDatabase;

beforeAll(async () => {
  alpha = await state.fresh('ls_alpha');
  beta = await state.fresh('ls_beta');
  // Enough data that the dump outlasts the table of contents pg_restore --list reads.
  await query(cluster, alpha.name, "CREATE TABLE alpha_only (id int PRIMARY KEY, pad text); INSERT INTO alpha_only SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 20000) g");
  await query(cluster, beta.name, 'CREATE TABLE beta_only (id int PRIMARY KEY); INSERT INTO beta_only SELECT generate_series(1, 10)');
});

afterAll(async () => {
  await state.cleanUp();
  await removeTempDirs();
});

interface Listing {
  steps: Array<{ step: string; database: string | null; toc: string | null }>;
}

describeWithTools('pgbak restore --list', () => {
  it('lists a custom dump ten times in a row without a failure (pg_restore closing its stdin early is no error)', async () => {
    const backup = await state.backup(alpha, ['full']);
    for (let i = 0; i < 10; i++) {
      const result = await pgbak(['restore', backup.archive, '--list']);
      expect(result.stderr).not.toMatch(/SIGTERM|killed|error/i);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/TABLE DATA public alpha_only/);
    }
  });

  it("shows each database's own table of contents for a step over two databases", async () => {
    const dir = await makeTempDir('pgbak-ls-profiles-');
    await writeFile(join(dir, 'two.yaml'), `archives: single\nsteps:\n  - name: dbs\n    kind: full\n    databases: [${alpha.name}, ${beta.name}]\n`);
    const backup = await state.backup(alpha, ['two', '--profiles-dir', dir]);
    expect(backup.manifest.steps.map((step) => step.database)).toEqual([alpha.name, beta.name]);

    const result = await pgbak(['restore', backup.archive, '--list', '--json'], pgEnv(cluster, alpha.name));

    expect(result.exitCode).toBe(0);
    const listing = JSON.parse(result.stdout) as Listing;
    const [a, b] = listing.steps;
    expect([a!.step, a!.database, b!.step, b!.database]).toEqual(['dbs', alpha.name, 'dbs', beta.name]);
    expect(a!.toc).toMatch(/TABLE DATA public alpha_only/);
    expect(a!.toc).not.toMatch(/beta_only/);
    expect(b!.toc).toMatch(/TABLE DATA public beta_only/);
    expect(b!.toc).not.toMatch(/alpha_only/);
  });
});
