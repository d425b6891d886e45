import type { RetentionPolicy } from '../config/profile-schema.js';
import type { PgbakLogger } from '../log/index.js';
import { pruneBackups, type PruneResult } from './prune.js';
import { hasRetention } from './select.js';
import type { BackupRepository } from '../storage/index.js';

/** Options of {@link applyRetention}. */
export interface ApplyRetentionOptions {
  /** The folder the run wrote its zip into; or give `repository` (a bucket's prefix the run uploaded to). */
  outputDir?: string;
  /** Where the run's copy is; the caller closes it. Takes precedence over outputDir. */
  repository?: BackupRepository;
  /** The profile that just ran: only its backups are considered. */
  profile: string;
  /** The profile's `retention:`; undefined or empty keeps everything. */
  policy: RetentionPolicy | undefined;
  logger?: PgbakLogger | undefined;
  dryRun?: boolean;
}

/**
 * Retention after a successful run (call it only then: a failed run deletes
 * nothing). Prunes the profile's own backups in its output folder with its own
 * policy; the run's own locks do not stop it, while a group whose lock another live
 * run holds (the same profile for another database) is skipped. Returns null
 * when the policy keeps everything (nothing is read). Deletion failures are in
 * the result (`failed`), not thrown; an unreadable folder throws OUTPUT_UNREADABLE.
 */
export async function applyRetention(options: ApplyRetentionOptions): Promise<PruneResult | null> {
  if (!hasRetention(options.policy)) return null;
  const result = await pruneBackups({
    ...(options.outputDir !== undefined && { outputDir: options.outputDir }),
    ...(options.repository !== undefined && { repository: options.repository }),
    profile: options.profile,
    policy: options.policy,
    logger: options.logger,
    dryRun: options.dryRun ?? false,
  });
  const gone = result.items.filter((item) => item.action === 'deleted' || item.action === 'would-delete').map((item) => item.file);
  const verb = result.dryRun ? 'would delete' : 'deleted';
  const where = options.repository?.kind === 's3' ? ` in ${options.repository.location}` : '';
  if (gone.length > 0) options.logger?.info(`retention: ${verb} ${gone.length} older backup${gone.length === 1 ? '' : 's'} of ${options.profile}${where}: ${gone.join(', ')}`);
  return result;
}
