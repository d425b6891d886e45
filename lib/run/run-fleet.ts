// A per-database run (plan/compile-fleet.ts): one archive per database and one for the
// globals, for each server (`connections:` lists several), `concurrency` at a time. Each
// archive is an ordinary run (runPlanned) with its own driver sessions, run log, lock,
// verify, retention, metrics and alerts; one that fails (or a server that cannot be
// reached) leaves the others going, and the summary says which failed and why.
import { mapLimited, mapLimitedByKey } from '../map-limited.js';
import { loadRunConfig, type RunConfig } from '../config/run-config.js';
import type { RunServer } from '../config/servers.js';
import { withSslPasswordFiles } from '../config/ssl-password-file.js';
import { Sessions } from '../db/sessions.js';
import { PgbakError, toPgbakError } from '../errors.js';
import { createLogger, createProgress, type PgbakLogger } from '../log/index.js';
import { startRunAlerts } from '../notify/index.js';
import { CLUSTER_GROUP } from '../plan/compile.js';
import { DEFAULT_MAX_CONNECTIONS } from '../plan/compile-fleet.js';
import type { Plan } from '../plan/types.js';
import type { RunOptions } from './options.js';
import { prepareFleet, type PreparedFleet } from './prepare.js';
import { recordFailedRun } from './record-failed-run.js';
import { watchRunMetrics } from './run-metrics.js';
import { runPlanned } from './run-profile.js';
import type { RunSummary } from './summary.js';

/** One archive of a per-database run, as `run --json` reports it. */
export interface FleetArchiveResult {
  /** The server's name (`connections[i].name`, else its host). */
  server: string;
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

/** One server of a per-database run: whether it could be asked for its databases, and how many archives it had. */
export interface FleetServerResult {
  /** `connections[i].name`, else its host: what `{host}` became. */
  name: string;
  host: string;
  port: number;
  /** `failed`: nothing of this server ran (unreachable, refused the role, no tools for it…); `error` says why. */
  status: 'ok' | 'failed';
  /** Its archives written at once (concurrency fitted to its maxConnections). */
  concurrency: number;
  archives: number;
  error?: { code: string; message: string; hint?: string };
}

/** What a per-database run reports (`run --json` prints it; on a failure, as the error's details). */
export interface FleetSummary {
  ok: boolean;
  profile: string;
  /** The first server's host (a profile with `connection:` has one server). */
  host: string;
  /** Every server (one for a profile with `connection:`), in the profile's order. */
  servers: FleetServerResult[];
  /**
   * Archives written at once over the whole run (the profile's `concurrency`, or `--concurrency`);
   * each server also holds at most maxConnections (its `servers[].concurrency`).
   */
  concurrency: number;
  maxConnections: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** One per archive: per server the globals' first, then the databases in the order the server listed them. */
  archives: FleetArchiveResult[];
  /**
   * What failed (or never ran: interrupted): the databases; with several servers
   * `server/database`, and a server's name alone when nothing of it ran.
   */
  failed: string[];
}

/**
 * Runs a profile whose steps name several databases (`databases: all` or a list), or that
 * lists several servers (`connections:`), as one archive per database and server. Resolves
 * with the summary even when some archives (or servers) failed (`ok: false`, `failed` names
 * them); rejects only when nothing could start (the profile; with one server, the server or
 * the tools), as a single run does.
 */
export function runFleet(options: RunOptions): Promise<FleetSummary> {
  return withSslPasswordFiles(() => runFleetHeld(options));
}

/** One server's share of the run: its configuration, and its plans once the server was asked. */
interface ServerWork {
  server: RunServer;
  config: Readonly<RunConfig>;
  prepared?: PreparedFleet;
  error?: FleetServerResult['error'];
}

async function runFleetHeld(options: RunOptions): Promise<FleetSummary> {
  const logger = options.logger ?? createLogger({ level: 'quiet' });
  const signal = options.signal ?? new AbortController().signal;
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  try {
    const config = options.config ?? (await loadRunConfig(options, (message) => logger.warn(message)));
    const several = config.servers.length > 1;
    // Each server is asked for its databases and planned on its own: one that cannot be
    // reached (or refuses the role) is reported and the others go ahead.
    const concurrency = config.profile.profile.concurrency ?? 1;
    // Every server's secrets, before any child logger (which copies them) is made.
    for (const { connection } of config.servers) {
      if (connection.password) logger.addSecret(connection.password.reveal());
      if (connection.sslpassword) logger.addSecret(connection.sslpassword.reveal());
    }
    const work = await mapLimited(config.servers, concurrency, async (server): Promise<ServerWork> => {
      const serverConfig: Readonly<RunConfig> = several ? { ...config, connection: server.connection, outputDir: server.outputDir, storage: server.storage } : config;
      const serverLogger = several ? (logger.child?.(server.name) ?? logger) : logger;
      try {
        return { server, config: serverConfig, prepared: await prepareServer({ ...options, config: serverConfig }, serverLogger, now) };
      } catch (error) {
        if (!several) throw error;
        const failure = toPgbakError(error);
        serverLogger.error(failure.message);
        return { server, config: serverConfig, error: { code: failure.code, message: failure.message, ...(failure.hint && { hint: failure.hint }) } };
      } finally {
        if (serverLogger !== logger) await serverLogger.close();
      }
    });
    const ready = work.filter((w): w is ServerWork & { prepared: PreparedFleet } => w.prepared !== undefined);
    for (const { prepared, server } of ready) {
      const { fleet } = prepared;
      for (const warning of fleet.warnings) logger.warn(several ? `${server.name}: ${warning}` : warning);
      logger.info(
        `${several ? `${server.name}: ` : ''}${fleet.plans.length} archives, ${fleet.concurrency} at a time (up to ${fleet.connectionsPerArchive} server connections each, maxConnections ${fleet.maxConnections})`,
      );
    }
    if (several) logger.info(`${ready.length} of ${work.length} servers ready; at most ${concurrency} archive${concurrency === 1 ? '' : 's'} at a time over all of them`);
    // Progress lines of several archives at once would overwrite each other: none.
    const progress = createProgress({ stream: process.stderr, enabled: false });
    const sweptFolders = new Map<string, Promise<void>>();
    const runOne = async ({ plan, owner }: { plan: Plan; owner: ServerWork & { prepared: PreparedFleet } }): Promise<FleetArchiveResult> => {
      const database = plan.databases[0]!;
      const base = { server: owner.server.name, database, archive: plan.archiveName };
      if (signal.aborted) return { ...base, status: 'not-run', error: { code: 'INTERRUPTED', message: 'interrupted before this archive started' } };
      const label = database === CLUSTER_GROUP ? 'globals' : database;
      const child = logger.child?.(several ? `${owner.server.name}/${label}` : label) ?? createLogger({ level: 'quiet' });
      try {
        const { config: serverConfig, prepared } = owner;
        const alerts = await startRunAlerts(serverConfig, child);
        const archiveMetrics = watchRunMetrics(now);
        const run = {
          config: serverConfig,
          plan,
          connection: prepared.connection,
          sessions: new Sessions(prepared.connection, { tls: prepared.tls }),
          logger: child,
          signal,
          progress,
          sweptFolders,
          ...(several && { server: owner.server.name }),
        };
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
    // `concurrency` bounds the whole run (the backup host's processes, memory, uploads);
    // each server's share is also fitted to its maxConnections (its own server's limit).
    // The servers' archives take turns, so that every server's first archives start early.
    const items = interleave(ready.map((owner) => owner.prepared.fleet.plans.map((plan) => ({ plan, owner }))));
    const limits = new Map(ready.map((w) => [w.server.name, w.prepared.fleet.concurrency]));
    const archives = await mapLimitedByKey(items, concurrency, (item) => item.owner.server.name, (name) => limits.get(name)!, runOne);
    const finishedAt = now();
    const failed = [
      ...work.filter((w) => w.error !== undefined).map((w) => w.server.name),
      ...archives.filter((a) => a.status !== 'ok').map((a) => (several ? `${a.server}/${a.database}` : a.database)),
    ];
    const first = ready[0]?.prepared.fleet;
    const summary: FleetSummary = {
      ok: failed.length === 0,
      profile: config.profile.name,
      host: config.connection.host,
      servers: work.map((w) => ({
        name: w.server.name,
        host: w.server.connection.host,
        port: w.server.connection.port,
        status: w.error ? 'failed' : 'ok',
        concurrency: w.prepared?.fleet.concurrency ?? 0,
        archives: w.prepared?.fleet.plans.length ?? 0,
        ...(w.error && { error: w.error }),
      })),
      concurrency: several ? concurrency : (first?.concurrency ?? concurrency),
      maxConnections: first?.maxConnections ?? config.profile.profile.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
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

// Asks one server for its databases and plans its archives; a failure is recorded in its
// folder (status shows it), in its metrics and alerts, then thrown.
async function prepareServer(options: RunOptions & { config: Readonly<RunConfig> }, logger: PgbakLogger, now: () => Date): Promise<PreparedFleet> {
  const metrics = watchRunMetrics(now);
  return prepareFleet(options, logger, (context, error) => {
    metrics.failedEarly(context);
    return recordFailedRun(context, error, logger);
  }).catch(async (error: unknown) => {
    const alerts = await startRunAlerts(options.config, logger);
    await metrics.failed(error, logger);
    throw await alerts.failed(error);
  });
}

// [[a1, a2, a3], [b1]] -> [a1, b1, a2, a3]
function interleave<T>(lists: readonly T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; lists.some((list) => i < list.length); i++) for (const list of lists) if (i < list.length) out.push(list[i]!);
  return out;
}

/** The error a CLI raises for a per-database run with failures: exit 1, the summary as its details. */
export function fleetFailure(summary: FleetSummary): PgbakError {
  const names = summary.failed.slice(0, 5).join(', ') + (summary.failed.length > 5 ? `, … (${summary.failed.length - 5} more)` : '');
  const down = summary.servers.filter((s) => s.status === 'failed').length;
  const archivesFailed = summary.archives.filter((a) => a.status !== 'ok').length;
  const what = down === 0 ? `${archivesFailed} of ${summary.archives.length} archives` : `${down} of ${summary.servers.length} servers and ${archivesFailed} of ${summary.archives.length} archives`;
  return new PgbakError('DATABASES_FAILED', `${what} of profile ${summary.profile} failed: ${names}`, {
    hint: 'each failed database has its run log beside where its archive would be; `pgbak status` shows why',
    details: summary,
  });
}

