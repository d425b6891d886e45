// A failed run leaves its run log in the output folder (and in its buckets, beside where
// the zip would be), ending with the failure record: what `status` shows as the last
// failure and `prune` ages out.
import { basename, join } from 'node:path';
import type { ZipWriter } from '../archive/index.js';
import { ensureDirectory, isAlreadyThere, isTaken } from '../archive/atomic-file.js';
import type { Connection } from '../config/connection-types.js';
import type { Env } from '../config/env-file.js';
import type { LoadedProfile } from '../config/load-profile.js';
import { expandPrefix, type S3Storage, type Storage } from '../config/storage.js';
import { PgbakError, toPgbakError } from '../errors.js';
import type { PgbakLogger } from '../log/index.js';
import { checkProfile } from '../plan/compile.js';
import { archiveName } from '../plan/names.js';
import type { StepOverrides } from '../plan/overrides.js';
import { currentOwner } from '../process/owner.js';
import { FAILURE_CODE_KEY, FAILURE_PREFIX, RUN_RECORD_KEY } from '../retention/index.js';
import { storeRunLog } from './store-run-log.js';

// Errors whose failure record is in the log already: a failure is recorded once.
const recorded = new WeakSet<object>();

/**
 * Ends a run whose log is attached: the `.partial` goes, the log gets the failure
 * record, and the error's hint points at the log. Idempotent: an error it returned
 * comes back unchanged, so an outer catch may call it again.
 */
export async function endWithFailure(error: unknown, zip: ZipWriter, logPath: string, logger: PgbakLogger): Promise<PgbakError> {
  if (typeof error === 'object' && error !== null && recorded.has(error)) return error as PgbakError;
  // The run's failure stays what is reported; that its copy could not be thrown away
  // (a store that refuses AbortMultipartUpload) is said beside it, with what to do.
  await zip.abort().catch((cause: unknown) => {
    const leftover = toPgbakError(cause);
    logger.warn(`${leftover.message}${leftover.hint ? ` (${leftover.hint})` : ''}`);
  });
  const failure = toPgbakError(error);
  logger.record('error', `${FAILURE_PREFIX}${failure.message}`, { [FAILURE_CODE_KEY]: failure.code });
  // The console shows the one-line report; point to the log that has the rest.
  const ended = new PgbakError(failure.code, failure.message, {
    hint: `${failure.hint ? `${failure.hint}; ` : ''}details in ${logPath}`,
    cause: failure.cause ?? error,
    exitCode: failure.exitCode,
  });
  recorded.add(ended);
  return ended;
}

/** What is known of a run once its configuration is usable: enough to name its log. */
export interface FailedRunContext {
  profile: LoadedProfile;
  overrides: StepOverrides;
  outputDir: string;
  /** The run's storage: the log goes to its buckets too, where the zip would have gone. */
  storage?: readonly Storage[];
  /** For the buckets' clients (credentials, endpoint). */
  env?: Env;
  connection: Connection;
  now: Date;
}

/**
 * Records a run that failed before its log existed (server down, wrong password,
 * a missing database or tool): the log it would have written, holding the run
 * record and the failure record. Best effort: the run's own error is what the
 * caller reports; a log that cannot be written is said on the console and no more.
 * Returns the log's path, or null.
 */
export async function recordFailedRun(context: FailedRunContext, error: unknown, logger: PgbakLogger): Promise<string | null> {
  try {
    const { databases, label } = runDatabases(context);
    await ensureDirectory(context.outputDir);
    const archive = await claimLog(context.outputDir, archiveName(context.profile.name, label, context.now), logger);
    if (archive === null) return null;
    const run = { profile: context.profile.name, databases, archive: basename(archive), owner: await currentOwner() };
    logger.record('info', `run of profile ${context.profile.name} into ${archive}`, { [RUN_RECORD_KEY]: run });
    const failure = toPgbakError(error);
    logger.record('error', `${FAILURE_PREFIX}${failure.message}`, { [FAILURE_CODE_KEY]: failure.code });
    const logPath = archive.replace(/\.zip$/, '.log');
    await storeRunLog({ buckets: bucketsOf(context, label, logger), name: basename(logPath), env: context.env ?? {} }, logger);
    return logPath;
  } catch (cause) {
    logger.warn(`the failure was not recorded in ${context.outputDir}: ${toPgbakError(cause).message}`);
    return null;
  }
}

// The run's buckets, their prefixes expanded as compile() would have (the same values);
// a prefix that does not expand (the very error that failed the run, perhaps) is skipped, said once.
function bucketsOf(context: FailedRunContext, label: string, logger: PgbakLogger): S3Storage[] {
  const values = { host: context.connection.host, database: label, profile: context.profile.name };
  return (context.storage ?? []).flatMap((where) => {
    if (where.kind !== 's3') return [];
    try {
      return [{ ...where, prefix: expandPrefix(where.prefix, values) }];
    } catch (error) {
      logger.warn(`the run log was not stored in s3://${where.bucket}/${where.prefix}: ${toPgbakError(error).message}`);
      return [];
    }
  });
}

// The databases the run was to back up, as far as the profile says without the
// server: `databases: all` is not known before connecting, so such a run is
// recorded under the database it connects to (and any it names).
export function runDatabases(context: FailedRunContext): { databases: string[]; label: string } {
  const steps = checkProfile(context.profile, context.overrides).steps.filter((step) => step.kind !== 'globals-only');
  const all = steps.some((step) => step.databases === 'all');
  const named = steps.flatMap((step) => (step.databases === 'all' ? [] : step.databases ? [...step.databases] : [step.database ?? context.connection.database]));
  const databases = [...new Set(all ? [context.connection.database, ...named] : named)];
  if (databases.length === 0) databases.push(context.connection.database);
  const label = all ? 'all' : databases.length === 1 ? databases[0]! : `${databases.length}-databases`;
  return { databases, label };
}

// The names a run claims (see openRunFiles): free when nothing is at the zip, its
// `.partial` or the log, a symlink included; the log is created exclusively.
async function claimLog(outputDir: string, name: string, logger: PgbakLogger): Promise<string | null> {
  const base = name.replace(/\.zip$/, '');
  for (let n = 1; n <= MAX_NAME_ATTEMPTS; n++) {
    const archive = join(outputDir, n === 1 ? name : `${base}-${n}.zip`);
    const logPath = archive.replace(/\.zip$/, '.log');
    if ((await isTaken(archive)) || (await isTaken(`${archive}.partial`)) || (await isTaken(logPath))) continue;
    try {
      await logger.attachRunLog(logPath);
      return archive;
    } catch (error) {
      if (isAlreadyThere(error)) continue;
      throw error;
    }
  }
  throw new PgbakError('OUTPUT_NOT_WRITABLE', `no free name for the log of ${name} in ${outputDir} (${MAX_NAME_ATTEMPTS} taken)`);
}

const MAX_NAME_ATTEMPTS = 100;
