// `pgbak status --notify`: each profile whose backups are stale, or whose last run
// failed, sends a `stale` notice to its own targets that ask for it (`on: [stale]`).
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Env } from '../../config/env-file.js';
import type { LoadedProfile } from '../../config/load-profile.js';
import { toPgbakError } from '../../errors.js';
import type { PgbakLogger } from '../../log/index.js';
import type { GroupStatus, StatusReport } from '../../retention/index.js';
import { pgbakVersion } from '../../version.js';
import type { StaleNotice } from './report.js';
import { notifyDeadline } from './run-alerts.js';
import { DEFAULT_NOTIFY_DEADLINE_MS, sendNotice, type NotificationOutcome } from './send.js';
import { maskTargetSecrets, resolveTargets, wants, type NotifyTarget } from './targets.js';

export interface StatusAlertOptions {
  report: StatusReport;
  /** Finds a profile by the name its backups carry; null when there is no such file. */
  loadProfile(name: string): Promise<LoadedProfile | null>;
  env: Env;
  logger: PgbakLogger;
  /** `--profile`: a profile with no backup at all is stale too. */
  profile?: string | undefined;
}

/** Sends the stale notices; resolves with every outcome (never throws for a target that failed). */
export async function notifyStatus(options: StatusAlertOptions): Promise<NotificationOutcome[]> {
  const { report, logger } = options;
  const byProfile = new Map<string, GroupStatus[]>();
  for (const group of report.groups) {
    if (!group.stale && !group.failing) continue;
    byProfile.set(group.profile, [...(byProfile.get(group.profile) ?? []), group]);
  }
  // `--profile nightly --max-age 26h` with no backup of it at all.
  if (options.profile !== undefined && report.stale && !byProfile.has(options.profile)) byProfile.set(options.profile, []);
  const sends: Array<{ targets: NotifyTarget[]; notice: StaleNotice }> = [];
  for (const [name, groups] of byProfile) {
    let targets: NotifyTarget[];
    try {
      const loaded = await options.loadProfile(name);
      if (!loaded) {
        logger.warn(`profile ${name} not found: its stale backups are not notified`);
        continue;
      }
      const context = { env: options.env, profileDir: dirname(loaded.file), profileFile: loaded.file };
      targets = (await resolveTargets(loaded.profile.notify ?? [], context)).filter((target) => wants(target, 'stale'));
    } catch (error) {
      // status still reports (and exits 3); the profile's problem is said beside it.
      logger.warn(`profile ${name}: its stale backups are not notified: ${toPgbakError(error).message}`);
      continue;
    }
    if (targets.length === 0) {
      logger.verbose(`profile ${name} has no notify target with on: [stale]`);
      continue;
    }
    maskTargetSecrets(targets, logger);
    sends.push({ targets, notice: staleNotice(name, groups, report) });
  }
  if (sends.length === 0) return [];
  let deadlineMs = DEFAULT_NOTIFY_DEADLINE_MS;
  try {
    deadlineMs = notifyDeadline(options.env.PGBAK_NOTIFY_DEADLINE);
  } catch (error) {
    // status' own result (exit 3 when stale) matters more than a mistyped deadline.
    logger.warn(`${toPgbakError(error).message}: using ${DEFAULT_NOTIFY_DEADLINE_MS / 1000}s`);
  }
  const outcomes = await Promise.all(sends.map(({ targets, notice }) => sendNotice(targets, notice, { logger, deadlineMs })));
  return outcomes.flat();
}

function staleNotice(profile: string, groups: GroupStatus[], report: StatusReport): StaleNotice {
  const mine = (line: string) => line.includes(` ${profile}/`) || line.endsWith(`profile ${profile} in ${report.outputDir}`);
  return {
    event: 'stale',
    ok: false,
    profile,
    host: hostname(),
    location: report.outputDir,
    databases: groups.map((group) => group.database),
    checkedAt: report.checkedAt,
    maxAgeMs: report.maxAgeMs,
    groups: groups.map((group) => ({
      database: group.database,
      stale: group.stale,
      failing: group.failing,
      lastSuccess: group.lastSuccess && { file: group.lastSuccess.file, startedAt: group.lastSuccess.startedAt, ageMs: group.lastSuccess.ageMs },
      lastFailure: group.lastFailure && { failedAt: group.lastFailure.failedAt, reason: group.lastFailure.reason },
    })),
    problems: report.problems.filter(mine),
    version: pgbakVersion,
  };
}
