// A per-database run (plan/compile-fleet.ts): one archive per database and one for the
// globals, `concurrency` at a time. Each archive is an ordinary run (runPlanned) with its
// own driver sessions, run log, lock, verify, retention, metrics and alerts; one that
// fails leaves the others going, and the summary says which failed and why.
import { mapLimited } from '../map-limited.js';
import { loadRunConfig } from '../config/run-config.js';
import { withSslPasswordFiles } from '../config/ssl-password-file.js';
import { Sessions } from '../db/sessions.js';
import { PgbakError, toPgbakError } from '../errors.js';
import { createLogger, createProgress } from '../log/index.js';
import { startRunAlerts } from '../notify/index.js';
import { CLUSTER_GROUP } from '../plan/compile.js';
import type { Plan } from '../plan/types.js';
import type { RunOptions } from './options.js';
import { prepareFleet } from './prepare.js';
import { recordFailedRun } from './record-failed-run.js';
import { watchRunMetrics } from './run-metrics.js';
import { runPlanned } from './run-profile.js';
import { prefetchS3 } from './run-files.js';
import type { RunSummary } from './summary.js';

/** One archive of a per-database run, as `run --json` reports it. */
export interface FleetArchiveResult {
  /** The database, or `(globals)` for the cluster's globals. */
  database: string;
  /** The archive's name (where it is: `summary.copies`); the name it would have had when it failed. */
  archive: string;
  status: 'ok' | 'failed' | 'not-run';
  /** The failure: the error's code (STEP_FAILED, AUTH_FAILED…), its message and hint. */
  error?: { code: string; message: string; hint?: string };
  /** The archive's run summary (as a single run's `--json`), when it succeeded. */
  summary?: RunSummary;
}

/** What a per-database run reports (`run --json` prints it; on a failure, as the error's details). */
export interface FleetSummary {
  ok: boolean;
  profile: string;
  host: string;
  /** Archives written at once (after fitting `maxConnections`), and the budget. */
  concurrency: number;
  maxConnections: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** One per archive: the globals' first, then the databases in the order the server listed them. */
  archives: FleetArchiveResult[];
  /** The databases whose archive failed (or never ran: interrupted). */
  failed: string[];
}

/**
 * Runs a profile whose steps name several databases (`databases: all` or a list) as one
 * archive per database. Resolves with the summary even when some archives failed
 * (`ok: false`, `failed` names them); rejects only when nothing could start (the profile,
 * the server, the tools), as a single run does.
 */
export function runFleet(options: RunOptions): Promise<FleetSummary> {
  return withSslPasswordFiles(() => runFleetHeld(options));
}

async function runFleetHeld(options: RunOptions): Promise<FleetSummary> {
  const logger = options.logger ?? createLogger({ level: 'quiet' });
  const signal = options.signal ?? new AbortController().signal;
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  try {
    const config = options.config ?? (await loadRunConfig(options, (message) => logger.warn(message)));
    prefetchS3(config.storage);
    const metrics = watchRunMetrics(now);
    const prepared = await prepareFleet({ ...options, config }, logger, (context, error) => {
      metrics.failedEarly(context);
      return recordFailedRun(context, error, logger);
    }).catch(async (error: unknown) => {
      const alerts = await startRunAlerts(config, logger);
      await metrics.failed(error, logger);
      throw await alerts.failed(error);
    });
    const { fleet, connection, tls } = prepared;
    for (const warning of fleet.warnings) logger.warn(warning);
    logger.info(`${fleet.plans.length} archives, ${fleet.concurrency} at a time (up to ${fleet.connectionsPerArchive} server connections each, maxConnections ${fleet.maxConnections})`);
    // Progress lines of several archives at once would overwrite each other: none.
    const progress = createProgress({ stream: process.stderr, enabled: false });
    const sweptFolders = new Map<string, Promise<void>>();
    const runOne = async (plan: Plan): Promise<FleetArchiveResult> => {
      const database = plan.databases[0]!;
      const base = { database, archive: plan.archiveName };
      if (signal.aborted) return { ...base, status: 'not-run', error: { code: 'INTERRUPTED', message: 'interrupted before this archive started' } };
      const child = logger.child?.(database === CLUSTER_GROUP ? 'globals' : database) ?? createLogger({ level: 'quiet' });
      try {
        const alerts = await startRunAlerts(config, child);
        const archiveMetrics = watchRunMetrics(now);
        const run = { config, plan, connection, sessions: new Sessions(connection, tls), logger: child, signal, progress, sweptFolders };
        try {
          const summary = await runPlanned(run, archiveMetrics, alerts);
          return { ...base, archive: summary.archive, status: 'ok', summary };
        } catch (error) {
          await archiveMetrics.failed(error, child);
          throw error;
        }
      } catch (error) {
        const failure = toPgbakError(error);
        child.error(failure.message);
        return { ...base, status: 'failed', error: { code: failure.code, message: failure.message, ...(failure.hint && { hint: failure.hint }) } };
      } finally {
        await child.close();
      }
    };
    const archives = await mapLimited(fleet.plans, fleet.concurrency, runOne);
    const finishedAt = now();
    const failed = archives.filter((a) => a.status !== 'ok').map((a) => a.database);
    const summary: FleetSummary = {
      ok: failed.length === 0,
      profile: config.profile.name,
      host: connection.host,
      concurrency: fleet.concurrency,
      maxConnections: fleet.maxConnections,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      archives,
      failed,
    };
    if (signal.aborted) throw new PgbakError('INTERRUPTED', `interrupted: ${failed.length} of ${archives.length} archives not written`, { details: summary });
    return summary;
  } finally {
    await logger.close();
  }
}

/** The error a CLI raises for a per-database run with failures: exit 1, the summary as its details. */
export function fleetFailure(summary: FleetSummary): PgbakError {
  const names = summary.failed.slice(0, 5).join(', ') + (summary.failed.length > 5 ? `, … (${summary.failed.length - 5} more)` : '');
  return new PgbakError('DATABASES_FAILED', `${summary.failed.length} of ${summary.archives.length} archives of profile ${summary.profile} failed: ${names}`, {
    hint: 'each failed database has its run log beside where its archive would be; `pgbak status` shows why',
    details: summary,
  });
}

