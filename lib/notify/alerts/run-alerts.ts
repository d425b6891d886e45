// The run's alerts: a ping's /start as the run begins, and at its end one notice to
// every target that wants it. Never changes the run's result: a failed notification
// is a warning, and the outcomes travel with the summary (or the error) for --json.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { RunConfig } from '../../config/run-config.js';
import { PgbakError, toPgbakError } from '../../errors.js';
import type { PgbakLogger } from '../../log/index.js';
import type { Plan } from '../../plan/types.js';
import { pgbakVersion } from '../../version.js';
import type { RunNotice } from './report.js';
import { DEFAULT_NOTIFY_DEADLINE_MS, sendNotice, sendStartPings, type NotificationOutcome } from './send.js';
import { maskTargetSecrets, resolveTargets } from './targets.js';
import { parseTimeout } from '../../config/notify.js';

/** What a run's end hands the alerts. */
interface SummaryLike {
  archive: string;
  log: string;
  bytes: number;
  copies: ReadonlyArray<{ location: string }>;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

export interface RunAlerts {
  /** The plan once compiled: the databases a failure notice names. */
  planned(plan: Pick<Plan, 'databases'>): void;
  /** Notifies a success; the summary comes back with `notifications` when the profile has targets. */
  succeeded<T extends SummaryLike>(summary: T): Promise<T & { notifications?: NotificationOutcome[] }>;
  /** Notifies a failure; returns the error to throw, carrying `notifications` in its details. */
  failed(error: unknown): Promise<unknown>;
}

const NONE: RunAlerts = { planned: () => undefined, succeeded: async (summary) => summary, failed: async (error) => error };

/**
 * Reads the profile's `notify:` (the SMTP password and CA files: exit 2 when missing),
 * masks every URL's token in the logger, and sends the pings' `/start` without waiting
 * for them. A profile without `notify:` gets alerts that do nothing.
 */
export async function startRunAlerts(config: Readonly<RunConfig>, logger: PgbakLogger): Promise<RunAlerts> {
  const entries = config.profile.profile.notify ?? [];
  if (entries.length === 0) return NONE;
  const targets = await resolveTargets(entries, { env: config.env, profileDir: dirname(config.profile.file), profileFile: config.profile.file });
  maskTargetSecrets(targets, logger);
  const deadlineMs = notifyDeadline(config.env.PGBAK_NOTIFY_DEADLINE);
  const runId = randomUUID();
  const startedAt = new Date();
  const stopStart = new AbortController();
  const started = sendStartPings(targets, { logger, deadlineMs, runId, signal: stopStart.signal });
  let databases = fallbackDatabases(config);

  // The end waits for /start (so the ping service sees them in order), but no longer
  // than the end's own deadline allows: a hung /start is given up.
  const end = async (notice: RunNotice): Promise<NotificationOutcome[]> => {
    const until = Date.now() + deadlineMs;
    const start = await raceTimeout(started, deadlineMs / 2);
    if (start === undefined) stopStart.abort();
    const rest = await sendNotice(targets, notice, { logger, deadlineMs: Math.max(1, until - Date.now()), runId });
    return [...(start ?? (await started)), ...rest];
  };
  const base = () => ({
    profile: config.profile.name,
    host: hostname(),
    server: `${config.connection.host}:${config.connection.port}`,
    databases,
    version: pgbakVersion,
  });

  return {
    planned(plan) {
      databases = [...plan.databases];
    },
    async succeeded(summary) {
      const notifications = await end({
        event: 'success',
        ok: true,
        ...base(),
        archive: summary.copies[0]?.location ?? summary.archive,
        locations: summary.copies.map((copy) => copy.location),
        log: summary.log,
        bytes: summary.bytes,
        durationMs: summary.durationMs,
        startedAt: summary.startedAt,
        finishedAt: summary.finishedAt,
      });
      return { ...summary, notifications };
    },
    async failed(error) {
      const failure = toPgbakError(error);
      const finishedAt = new Date();
      const notifications = await end({
        event: 'failure',
        ok: false,
        ...base(),
        error: { code: failure.code, exitCode: failure.exitCode, message: failure.message, ...(failure.hint !== undefined && { hint: failure.hint }) },
        archive: null,
        locations: [],
        log: logOf(failure.hint),
        bytes: null,
        durationMs: finishedAt.getTime() - startedAt.getTime(),
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
      });
      return withNotifications(failure, error, notifications);
    },
  };
}

// The error as thrown, with the outcomes added to what --json prints (`details`).
function withNotifications(failure: PgbakError, original: unknown, notifications: NotificationOutcome[]): unknown {
  const details = failure.details;
  if (details !== undefined && (typeof details !== 'object' || details === null || Array.isArray(details))) return original;
  return new PgbakError(failure.code, failure.message, {
    ...(failure.hint !== undefined && { hint: failure.hint }),
    cause: failure.cause ?? original,
    exitCode: failure.exitCode,
    details: { ...(details as object | undefined), notifications },
  });
}

// A failed run's hint ends with "details in <log>" once its log exists.
function logOf(hint: string | undefined): string | null {
  const match = hint === undefined ? null : /details in (\S+)$/.exec(hint);
  return match ? match[1]! : null;
}

// Before the plan exists (the server is down): the databases the profile names, else the connection's.
function fallbackDatabases(config: Readonly<RunConfig>): string[] {
  const named = config.profile.profile.steps.flatMap((step) => (step.database ? [step.database] : Array.isArray(step.databases) ? step.databases : []));
  return named.length > 0 ? [...new Set(named)] : [config.connection.database];
}

/** PGBAK_NOTIFY_DEADLINE (`30s`, `2min`, ms): how long the whole notification phase may take; default 60s. */
export function notifyDeadline(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_NOTIFY_DEADLINE_MS;
  const ms = parseTimeout(value);
  if (ms === null || ms > 600_000) {
    throw new PgbakError('CONFIG_INVALID', `PGBAK_NOTIFY_DEADLINE "${value}" is not a duration up to 10min`, { hint: 'write it like 30s, 2min or 1500ms' });
  }
  return ms;
}

async function raceTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)))]);
  } finally {
    clearTimeout(timer);
  }
}
