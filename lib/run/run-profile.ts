import { loadRunConfig } from '../config/run-config.js';
import { PgbakError } from '../errors.js';
import { basename } from 'node:path';
import { withSslPasswordFiles } from '../config/ssl-password-file.js';
import { createLogger, createProgress, type Progress } from '../log/index.js';
import { startRunAlerts, type RunAlerts } from '../notify/index.js';
import { clearProgressBeforeLogging } from './progress-logger.js';
import { acquireRunLock } from './lock.js';
import type { RunOptions } from './options.js';
import { prepareRun } from './prepare.js';
import { endWithFailure, recordFailedRun } from './record-failed-run.js';
import { retain, holdRetention } from './retain.js';
import { watchRunMetrics, type RunMetricsWatch } from './run-metrics.js';
import { throwIfAborted, type RunContext } from './run-context.js';
import { ensureDir, openRunFiles, sweepLeftovers } from './run-files.js';
import { recordRun } from './run-record.js';
import { archiveSuffix } from '../plan/names.js';
import { storeRunLog } from './store-run-log.js';
import type { RunSummary } from './summary.js';
import { verifyWritten } from './verify-written.js';
import { writeArchive } from './write-archive.js';

export type { RunSummary } from './summary.js';

/**
 * Runs a profile: one zip in the output folder, finished atomically, or nothing
 * that looks like a backup plus a log that says why.
 */
export function runProfile(options: RunOptions): Promise<RunSummary> {
  return withSslPasswordFiles(() => runProfileHeld(options));
}

async function runProfileHeld(options: RunOptions): Promise<RunSummary> {
  const progress = openProgress(options.progress);
  // A log line written while the progress line is shown would start at its end.
  const logger = clearProgressBeforeLogging(options.logger ?? createLogger({ level: 'quiet' }), progress);
  const signal = options.signal ?? new AbortController().signal;
  const metrics = watchRunMetrics(options.now);
  try {
    const config = options.config ?? (await loadRunConfig(options, (message) => logger.warn(message)));
    if (config.servers.length > 1) {
      // One archive of the first server only would look like the whole run.
      throw new PgbakError('USAGE', `profile ${config.profile.name} lists ${config.servers.length} servers (connections:): runProfile backs up one`, {
        hint: 'run it with runFleet (pgbak run does), which writes one archive per server and database',
      });
    }
    // Alerts (notify:) hear how the run ends; they never change its result.
    const alerts = await startRunAlerts(config, logger);
    const { plan, connection, sessions } = await prepareRun({ ...options, config }, logger, (context, error) => {
      metrics.failedEarly(context);
      return recordFailedRun(context, error, logger);
    }).catch(async (error: unknown) => {
      throw await alerts.failed(error);
    });
    return await runPlanned({ config, plan, connection, sessions, logger, signal, progress }, metrics, alerts);
  } catch (error) {
    // Metrics after every run, failed ones too (a warning when they cannot be written).
    await metrics.failed(error, logger);
    throw error;
  } finally {
    // Whatever comes next on the terminal (the summary, the error report) starts on a clean line.
    progress.stop();
    // The run log this run attached ends with it (a logger takes one run log, once). Left
    // open, its FileHandle is closed by the garbage collector, which Node 24+ makes an
    // uncaught ERR_INVALID_STATE that ends the process (a library user's server, a test worker).
    await logger.close();
  }
}

/**
 * One archive's run once its plan is made: the lock, the archive, verify and retention,
 * then metrics and alerts. Closes `run.sessions`. Shared by a single run and each archive
 * of a per-database run.
 */
export async function runPlanned(run: RunContext, metrics: RunMetricsWatch, alerts: RunAlerts): Promise<RunSummary> {
  const { config, plan, logger } = run;
  try {
    metrics.planned(config, plan);
    alerts.planned(plan);
    let summary: RunSummary;
    try {
      throwIfAborted(run.signal);
      await ensureDir(plan.outputDir);
      summary = await runLocked(run);
    } finally {
      await run.sessions.close();
    }
    summary = await metrics.succeeded(summary, logger);
    // After the lock and the server's connections are let go: alerts may take a while.
    return await alerts.succeeded(summary);
  } catch (error) {
    throw await alerts.failed(error);
  }
}

// The first archive of a per-database run to get here sweeps (into its own run log); the others wait for it.
function sweepOnce(run: RunContext): Promise<void> {
  const { plan, logger, sweptFolders } = run;
  if (!sweptFolders) return sweepLeftovers(plan.outputDir, logger);
  let sweep = sweptFolders.get(plan.outputDir);
  if (!sweep) {
    sweep = sweepLeftovers(plan.outputDir, logger);
    sweptFolders.set(plan.outputDir, sweep);
  }
  return sweep;
}

function openProgress(option: RunOptions['progress']): Progress {
  if (typeof option === 'object') return option;
  return createProgress({ stream: process.stderr, enabled: option === true });
}

async function runLocked(run: RunContext): Promise<RunSummary> {
  const { plan, logger } = run;
  const lock = await acquireRunLock(plan.outputDir, plan.profile.name, plan.databases, new Date(), run.server);
  try {
    const files = await openRunFiles(plan, logger, run.config.env, run.progress, run.config.encryption);
    // The log goes beside the zip in each bucket too, once the run has ended either way,
    // over the client the upload used (its connection is open): the clients close after it.
    const logCopies = { buckets: files.remoteStorage, name: basename(files.logPath), env: run.config.env, repository: files.s3Repository };
    try {
      let written: Awaited<ReturnType<typeof writeArchive>>;
      try {
        // The run record names the local name (what status and the sweep look for beside the log).
        await recordRun(plan, files.logPath.replace(/\.log$/, archiveSuffix(plan.archiveName)), logger);
        for (const note of files.notes) logger.info(note);
        await sweepOnce(run);
        written = await writeArchive(run, files);
      } catch (error) {
        // Whatever fails once the log is attached ends it with the failure record
        // (writeArchive records its own; this catches what comes before it).
        const failure = await endWithFailure(error, files.zip, files.logPath, logger);
        await storeRunLog(logCopies, logger);
        throw failure;
      }
      try {
        const { summary, held } = written;
        // The dump's sessions are done with: verify opens its own (see connectionsOf in plan/compile-fleet.ts).
        await run.sessions.close();
        if (plan.verify) summary.verify = await verifyWritten(run, files);
        summary.retention = held.length > 0 ? holdRetention(plan, held, logger) : await retain(plan, logger, run.config.env, files.s3Repository);
        return summary;
      } finally {
        // Verification and retention included, as the log beside a zip in a folder.
        await storeRunLog(logCopies, logger);
      }
    } finally {
      files.close();
    }
  } finally {
    await lock.release();
  }
}
