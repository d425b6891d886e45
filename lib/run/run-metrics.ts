// What a run tells its metrics (lib/notify/metrics), gathered as the run goes: who it
// is once that is known (the plan, or what a run that failed while preparing knew),
// and how it ended. A run that failed before its configuration loaded has no metrics
// settings to follow, and writes none.
import type { MetricsSettings } from '../config/metrics.js';
import type { RunConfig } from '../config/run-config.js';
import { isPgbakError } from '../errors.js';
import type { PgbakLogger } from '../log/index.js';
import { recordRunMetrics, type RunOutcome } from '../notify/index.js';
import type { Plan } from '../plan/types.js';
import { runDatabases, type FailedRunContext } from './record-failed-run.js';
import type { RunSummary } from './summary.js';

type Subject = Pick<RunOutcome, 'profile' | 'host' | 'databases' | 'allDatabases'> & { settings: MetricsSettings | undefined };

export interface RunMetricsWatch {
  /** Preparing failed (server, databases, tools): the run is known as far as the profile says. */
  failedEarly(context: FailedRunContext): void;
  planned(config: Readonly<RunConfig>, plan: Plan): void;
  /** Writes the metrics of a run that wrote its backup; hands the summary back. */
  succeeded(summary: RunSummary, logger: PgbakLogger): Promise<RunSummary>;
  /**
   * Writes the metrics of a run that failed (once; nothing when the run was never known,
   * nor when it was refused because another run of its databases holds the lock: that
   * run is the one to report, as status shows no failure for it either).
   */
  failed(error: unknown, logger: PgbakLogger): Promise<void>;
}

export function watchRunMetrics(now: () => Date = () => new Date()): RunMetricsWatch {
  const startedAt = now();
  let subject: Subject | null = null;
  let done = false;
  const finish = async (backup: RunOutcome['backup'], logger: PgbakLogger) => {
    if (done || subject === null || subject.settings === undefined) return;
    done = true;
    const { settings, ...who } = subject;
    await recordRunMetrics(settings, { ...who, startedAt, finishedAt: now(), backup }, { warn: (m) => logger.warn(m), debug: (m) => logger.debug(m) });
  };
  return {
    failedEarly(context) {
      // Never in the way of the run's own error: a profile whose databases cannot be told has no metrics.
      try {
        const { databases } = runDatabases(context);
        subject = { profile: context.profile.name, host: context.connection.server ?? context.connection.host, databases, allDatabases: false, settings: context.profile.profile.metrics };
      } catch {
        subject = null;
      }
    },
    planned(config, plan) {
      subject = { profile: plan.profile.name, host: plan.connection.server ?? plan.connection.host, databases: plan.databases, allDatabases: plan.allDatabases, settings: config.profile.profile.metrics };
    },
    async succeeded(summary, logger) {
      await finish({ startedAt: new Date(summary.startedAt), bytes: summary.bytes, tables: tablesOf(summary), verified: summary.verify?.ok === true }, logger);
      return summary;
    },
    async failed(error, logger) {
      if (isPgbakError(error) && error.code === 'LOCKED') return;
      await finish(null, logger);
    },
  };
}

// Per database, the most tables one of its steps counted (a schema and a data step of
// one database count the same tables); absent where no step counted.
function tablesOf(summary: RunSummary): Record<string, number> {
  const tables: Record<string, number> = {};
  for (const step of summary.steps) {
    if (step.database === null || step.tables === null) continue;
    tables[step.database] = Math.max(tables[step.database] ?? 0, step.tables);
  }
  return tables;
}
