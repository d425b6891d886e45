import { toPgbakError } from '../errors.js';
import type { PgbakLogger } from '../log/index.js';
import type { Plan } from '../plan/types.js';
import { applyRetention } from '../retention/index.js';
import type { RunSummary } from './summary.js';

// The run dumped less than the last one (guardEmptySteps): the good backups stay.
export function holdRetention(plan: Plan, held: string[], logger: PgbakLogger): RunSummary['retention'] {
  if (!plan.retention) return null;
  logger.warn(`retention not applied: ${held.length === 1 ? 'a step' : `${held.length} steps`} dumped no table where the previous backup had tables`);
  return { deleted: [], failed: 0, held: held.join('; ') };
}

// Retention never fails a run whose backup is complete: a problem is a warning
// (and in --json), so that a retry does not pile up more backups.
export async function retain(plan: Plan, logger: PgbakLogger, remote: readonly string[] = []): Promise<RunSummary['retention']> {
  if (!plan.retention) return null;
  // Retention reads a local folder: S3 copies are not pruned yet (nor counted).
  if (remote.length > 0) {
    if (!plan.storage.some((where) => where.kind === 'local')) {
      logger.warn(`retention not applied: the backup went to S3 only (${remote.join(', ')}) and pgbak cannot prune a bucket yet`);
      return { deleted: [], failed: 0, held: 'S3 storage: retention over a bucket is not supported yet' };
    }
    logger.warn(`retention applies to ${plan.outputDir} only: copies in S3 (${remote.join(', ')}) are not pruned`);
  }
  try {
    const result = await applyRetention({ outputDir: plan.outputDir, profile: plan.profile.name, policy: plan.retention, logger });
    if (!result) return null;
    const deleted = result.items.filter((item) => item.action === 'deleted').map((item) => item.file);
    if (result.failed > 0) logger.warn(`retention: ${result.failed} backup(s) could not be deleted; see the log`);
    return { deleted, failed: result.failed };
  } catch (error) {
    logger.warn(`retention was not applied: ${toPgbakError(error).message}`);
    return { deleted: [], failed: 0, error: toPgbakError(error).message };
  }
}
