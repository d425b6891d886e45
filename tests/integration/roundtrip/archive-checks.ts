// Assertions every round-trip test makes about the archive a run left behind.
import { access, readFile } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import { execa } from 'execa';
import { verifyEntries } from '../../../lib/archive/index.js';
import type { ClusterInfo } from '../../support/db.js';
import { fileMode, listOutputDir, verifyManifestEntries, type Backup } from '../../support/restore-helpers.js';

/**
 * The archive is finished and sound: 0600, no .partial or temp folder beside it,
 * the log inside and beside it, every manifest entry matching its bytes and
 * sha256, the source described without its password, each tool recorded as
 * the executable that reports that version, and the schema model of every
 * database step stored and matching its sha256.
 */
export async function expectSoundArchive(backup: Backup, cluster: ClusterInfo, expected: { profile: string; database: string; origin?: 'built-in' | 'user' }): Promise<void> {
  const { manifest, reader } = backup;
  expect(await fileMode(backup.archive)).toBe(0o600);
  expect(await listOutputDir(backup)).toEqual([basename(backup.archive), basename(backup.log)].sort());
  await expect(access(backup.log)).resolves.toBeUndefined();
  expect(backup.log).toBe(backup.archive.replace(/\.zip$/, '.log'));

  expect(manifest.status).toBe('complete');
  expect(manifest.profile).toMatchObject({ name: expected.profile, source: expected.origin ?? 'built-in' });
  expect(manifest.profile.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(manifest.source).toMatchObject({ host: cluster.host, port: cluster.port, user: cluster.user, database: expected.database });
  expect(manifest.source.serverVersion.major).toBe(15);
  expect(manifest.source.serverVersion.text).toMatch(/^15\.\d+/);

  const manifestText = await reader.readText('manifest.json');
  const logText = await reader.readText(manifest.log.entry);
  expect(manifest.log.entry).toBe('pgbak.log');
  expect(logText.length).toBeGreaterThan(0);
  for (const text of [manifestText, logText, await readFile(backup.log, 'utf8'), backup.cli.stdout, backup.cli.stderr]) {
    expect(text).not.toContain(cluster.password);
  }

  for (const step of manifest.steps) {
    expect(isAbsolute(step.tool.path)).toBe(true);
    const { stdout } = await execa(step.tool.path, ['--version']);
    expect(stdout).toContain(`(PostgreSQL) ${step.tool.version}`);
    expect(step.tool.name).toBe(basename(step.tool.path));
    expect(step.command[0]).toBe(step.tool.path);
    expect(step.command.join(' ')).not.toContain(cluster.password);
    expect(step.entries.length).toBeGreaterThan(0);
    for (const entry of step.entries) {
      const listed = reader.entries().find((candidate) => candidate.name === entry.name);
      expect(listed?.compressed).toBe(entry.compressed);
    }
  }
  const checks = await verifyManifestEntries(backup);
  expect(checks.filter((check) => !check.ok)).toEqual([]);
  expect(checks.length).toBe(manifest.steps.reduce((n, step) => n + step.entries.length, 0));

  // Every step that dumps a database's schema stores its model for compare, apart from the dump entries.
  const models = manifest.steps.flatMap((step) => (step.schemaModel ? [step.schemaModel] : []));
  expect(manifest.steps.filter((step) => step.schemaModel === undefined).map((step) => step.kind)).toEqual(
    manifest.steps.filter((step) => step.database === null || step.kind === 'large-objects').map((step) => step.kind),
  );
  const modelChecks = await verifyEntries(reader, models.map((model) => ({ name: model.entry, bytes: model.bytes, sha256: model.sha256 })));
  expect(modelChecks.filter((check) => !check.ok)).toEqual([]);
}
