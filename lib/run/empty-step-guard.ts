// Retention deletes only after a run that did everything its profile asked. A
// step that dumped no table where the profile's previous backup of the same
// database had tables (a schema emptied, a pattern now matching nothing but a
// view, a role that lost its grants) is written, with a warning, and holds
// retention on that run: the good backups stay.
import { MANIFEST_ENTRY, openZip, openZipSource, parseManifest, type Manifest } from '../archive/index.js';
import type { Env } from '../config/env-file.js';
import type { PgbakLogger } from '../log/index.js';
import type { Plan } from '../plan/types.js';
import { scanBackups } from '../retention/index.js';
import { FolderRepository, openS3Repository, type BackupRepository } from '../storage/index.js';
import type { StepRecord } from './build-manifest.js';

// A backup whose manifest says this was itself held: never the reference, so a
// second empty run in a row is compared with the last backup that had tables.
const HELD_MARKER = 'retention deletes nothing after this run';

/**
 * Adds a warning to every step (with table data) that dumped no table where the
 * previous backup of the profile and database had some. Returns the warnings;
 * any means retention must not run. Never throws: a previous backup that cannot
 * be read holds nothing.
 */
export async function guardEmptySteps(plan: Plan, records: StepRecord[], logger: PgbakLogger, env: Env = {}): Promise<string[]> {
  const empty = records.filter((record) => record.step.database !== null && record.step.tableScope !== null && record.facts?.dumpedTables === 0);
  if (empty.length === 0) return [];
  const warnings: string[] = [];
  for (const record of empty) {
    const previous = await previousWithStep(plan, record.step.step, record.step.database!, logger, env);
    if (previous === null) continue;
    const message = `${record.step.step} (${record.step.database}): no table was dumped, where the previous backup ${previous.file} had ${previous.tables}; ${HELD_MARKER}`;
    logger.warn(message);
    record.facts!.warnings.push(message);
    warnings.push(message);
  }
  return warnings;
}

/**
 * The newest backup of the profile holding this step and database with tables in it, not
 * itself held: in the output folder, or, when the run keeps no local copy, in its first bucket.
 */
async function previousWithStep(plan: Plan, step: string, database: string, logger: PgbakLogger, env: Env): Promise<{ file: string; tables: number } | null> {
  let repository: BackupRepository | undefined;
  try {
    const bucket = plan.storage.some((where) => where.kind === 'local') ? undefined : plan.storage.find((where) => where.kind === 's3');
    repository = bucket?.kind === 's3' ? await openS3Repository(bucket, env) : new FolderRepository(plan.outputDir);
    const { backups } = await scanBackups(repository);
    for (const backup of backups) {
      if (backup.profile !== plan.profile.name || backup.database !== plan.connection.database) continue;
      const before = (await readManifest(repository, backup.file)).steps.find((s) => s.name === step && s.database === database);
      if (!before || before.warnings.some((warning) => warning.includes(HELD_MARKER))) continue;
      const tables = before.rowCounts ? Object.keys(before.rowCounts.tables).length : 0;
      return tables > 0 ? { file: backup.file, tables } : null;
    }
  } catch (error) {
    logger.debug(`the previous backup could not be read to compare with: ${(error as Error).message}`);
  } finally {
    await repository?.close();
  }
  return null;
}

async function readManifest(repository: BackupRepository, file: string): Promise<Manifest> {
  const path = repository.locate(file);
  const zip = repository.folder !== null ? await openZip(path) : await openZipSource(await repository.openSource(file));
  try {
    return parseManifest(await zip.readText(MANIFEST_ENTRY, { maxBytes: 64 * 1024 * 1024 }), path);
  } finally {
    zip.close();
  }
}
