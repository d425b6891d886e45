import type { Env } from '../config/env-file.js';
import type { RetentionPolicy } from '../config/profile-schema.js';
import type { S3Storage, Storage } from '../config/storage.js';
import { toPgbakError } from '../errors.js';
import type { PgbakLogger } from '../log/index.js';
import type { Plan } from '../plan/types.js';
import { applyRetention, hasRetention } from '../retention/index.js';
import { openS3Repository, type BackupRepository } from '../storage/index.js';
import type { RetentionCopy, RunSummary } from './summary.js';

// The run dumped less than the last one (guardEmptySteps): the good backups stay.
export function holdRetention(plan: Plan, held: string[], logger: PgbakLogger): RunSummary['retention'] {
  if (!plan.retention) return null;
  logger.warn(`retention not applied: ${held.length === 1 ? 'a step' : `${held.length} steps`} dumped no table where the previous backup had tables`);
  return { deleted: [], failed: 0, held: held.join('; ') };
}

/**
 * The profile's retention over every place the run wrote to: each local folder and
 * each bucket (with the prefix the run used), by the same rules. Retention never fails
 * a run whose backup is complete: a problem is a warning (and in --json), so that a
 * retry does not pile up more backups. `deleted` and `failed` sum up the copies.
 */
export async function retain(plan: Plan, logger: PgbakLogger, env: Env, openBucket: OpenBucket = (where) => openS3Repository(where, env)): Promise<RunSummary['retention']> {
  const policy = plan.retention;
  if (!hasRetention(policy)) return null;
  const copies: RetentionCopy[] = [];
  for (const where of uniqueStorage(plan.storage)) copies.push(await retainIn(where, { profile: plan.profile.name, policy }, logger, openBucket));
  const deleted = [...new Set(copies.flatMap((copy) => copy.deleted))];
  const failed = copies.reduce((sum, copy) => sum + copy.failed, 0);
  const errors = copies.filter((copy) => copy.error !== undefined).map((copy) => `${copy.location}: ${copy.error}`);
  if (failed > 0) logger.warn(`retention: ${failed} backup(s) could not be deleted; see the log`);
  // A run to its one local folder reports as it always has; copies only say where when there is a choice.
  const single = copies.length === 1 && plan.storage.every((where) => where.kind === 'local');
  return { deleted, failed, ...(errors.length > 0 && { error: single ? copies[0]!.error! : errors.join('; ') }), ...(!single && { copies }) };
}

/** A bucket as a repository: the run's own client (RunFiles.s3Repository), or one of its own. */
type OpenBucket = (where: S3Storage) => Promise<BackupRepository>;

async function retainIn(where: Storage, run: { profile: string; policy: RetentionPolicy }, logger: PgbakLogger, openBucket: OpenBucket): Promise<RetentionCopy> {
  const location = where.kind === 'local' ? where.dir : `s3://${where.bucket}/${where.prefix}`;
  const repository = where.kind === 's3' ? await openBucket(where) : undefined;
  try {
    const result = await applyRetention({
      ...(repository ? { repository } : { outputDir: location }),
      profile: run.profile,
      policy: run.policy,
      logger,
    });
    if (!result) return { location, deleted: [], failed: 0 };
    const deleted = result.items.filter((item) => item.action === 'deleted').map((item) => item.file);
    return { location, deleted: [...new Set(deleted)], failed: result.failed };
  } catch (error) {
    const message = toPgbakError(error).message;
    logger.warn(`retention was not applied to ${location}: ${message}`);
    return { location, deleted: [], failed: 0, error: message };
  } finally {
    await repository?.close();
  }
}

// A folder or a bucket prefix named twice is pruned once.
function uniqueStorage(storage: readonly Storage[]): Storage[] {
  const seen = new Set<string>();
  return storage.filter((where) => {
    const id = where.kind === 'local' ? `local:${where.dir}` : JSON.stringify([where.bucket, where.prefix, where.endpoint ?? null]);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
