// One real run against the test cluster, then `list`, `status` and `prune` read
// what it wrote.
import { jest } from '@jest/globals';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, type TestDatabase } from '../../support/db.js';
import { removeTempDirs, runBackup, type Backup } from '../../support/restore-helpers.js';

jest.setTimeout(120_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const cluster = getCluster(15);
let database: TestDatabase | undefined;
let backup: Backup | undefined;

afterAll(async () => {
  backup?.reader.close();
  await database?.drop();
  await removeTempDirs();
});

describeWithTools('retention commands on a real backup', () => {
  it('lists, reports and keeps a backup that `run` just wrote', async () => {
    database = await createTestDatabase(cluster, 'retention_e2e');
    backup = await runBackup(['schema-only'], pgEnv(cluster, database.name));
    const file = backup.archive.split('/').pop()!;

    const list = await runCli(['list', '--output-dir', backup.outputDir]);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^schema-only\\s+${database.name}\\s+\\S+ \\S+Z\\s+\\d+s\\s+.+B\\s+no\\s+${file.replace(/\./g, '\\.')}$`, 'm'));

    const status = await runCli(['status', '--output-dir', backup.outputDir, '--max-age', '1h']);
    expect(status.exitCode).toBe(0);

    const prune = await runCli(['prune', '--output-dir', backup.outputDir, '--keep-last', '1', '--json']);
    expect(prune.exitCode).toBe(0);
    expect((JSON.parse(prune.stdout) as { items: Array<{ file: string; action: string }> }).items).toEqual([
      expect.objectContaining({ file, action: 'kept' }),
    ]);
  });
});
