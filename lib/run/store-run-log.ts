// A run whose archive goes to a bucket leaves its log there too, as `<name>.log` beside
// where the zip is (or would have been), as in a folder: `status` and `prune` over the
// bucket read the failures from it; a backup's log goes with the backup. The local log
// stays the run's own record; this copy is best effort.
import type { Env } from '../config/env-file.js';
import type { S3Storage } from '../config/storage.js';
import { PgbakError, toPgbakError } from '../errors.js';
import type { PgbakLogger } from '../log/index.js';
import { openS3Repository, type BackupRepository } from '../storage/index.js';

/**
 * How long putting the log in a bucket may take, retries included: the store may be
 * what failed the run (503s, a hung endpoint), and its report must not wait on it.
 */
export const RUN_LOG_UPLOAD_TIMEOUT_MS = 15_000;

/** Where a run's log goes: the buckets (prefixes expanded) and the log's name beside the zip's. */
export interface RunLogCopies {
  buckets: readonly S3Storage[];
  /** `<zip name without .zip>.log`. */
  name: string;
  env: Env;
  /** Opens a bucket (the run's own client, RunFiles.s3Repository); default: a client of its own. */
  repository?: (where: S3Storage) => Promise<BackupRepository>;
}

/**
 * Puts the run log as written so far (its failure record included) in each bucket, at
 * once. Never throws: a log that cannot be stored, or not within `timeoutMs`, is a warning
 * (on the console and in the local log), and the run's own outcome stands.
 */
export async function storeRunLog(copies: RunLogCopies, logger: PgbakLogger, timeoutMs = RUN_LOG_UPLOAD_TIMEOUT_MS): Promise<void> {
  if (copies.buckets.length === 0) return;
  const body = logger.runLogRecords();
  await Promise.all(
    copies.buckets.map(async (where) => {
      const location = `s3://${where.bucket}/${where.prefix}${copies.name}`;
      try {
        await withTimeout(timeoutMs, `storing the run log at ${location}`, async (signal) => {
          const repository = await (copies.repository?.(where) ?? openS3Repository(where, copies.env));
          try {
            await repository.writeSmall(copies.name, body, { signal, contentType: 'application/x-ndjson; charset=utf-8' });
          } finally {
            await repository.close();
          }
        });
        logger.debug(`run log stored at ${location}`);
      } catch (error) {
        // The store's error names the object; the timeout names it too.
        logger.warn(`the run log was not stored in the bucket: ${toPgbakError(error).message}`);
      }
    }),
  );
}

// The work gets a signal that aborts at the deadline; the deadline settles the wait
// even if the work does not heed it.
async function withTimeout(timeoutMs: number, what: string, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const timedOut = new PgbakError('OUTPUT_NOT_WRITABLE', `${what} took longer than ${timeoutMs / 1000} s`);
      controller.abort(timedOut);
      reject(timedOut);
    }, timeoutMs);
  });
  try {
    await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
