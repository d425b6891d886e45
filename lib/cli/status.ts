import type { CommandModule } from 'yargs';
import { PgbakError } from '../errors.js';
import { formatBytes } from '../log/index.js';
import { notifyStatus, statusMetrics } from '../notify/index.js';
import { parseDuration } from '../retention/duration.js';
import { formatAge, formatUtc } from '../retention/format-time.js';
import { renderTable } from '../retention/format-table.js';
import { loadIfPresent, openRepositoryContext } from '../retention/output-folder.js';
import { backupStatus, describeFailure, type GroupStatus, type StatusReport } from '../retention/status.js';
import type { CommandContext, GlobalArgs } from './context.js';

/** Flags of `pgbak status`. */
export interface StatusArgs extends GlobalArgs {
  location?: string;
  'output-dir'?: string;
  profile?: string;
  'max-age'?: string;
  format?: 'text' | 'prometheus';
  notify?: boolean;
  'shrink-below'?: number;
}

/** `pgbak status`: the monitoring hook; exit 3 when backups stopped arriving. */
export function statusCommand(ctx: () => CommandContext): CommandModule<object, StatusArgs> {
  return {
    command: 'status [location]',
    describe:
      'Last successful, last verified backup, last failed run and size trend per host, profile and database, in the location and the folders (prefixes) below it; exit 3 when one is older than --max-age. Removes what killed runs left (.partial, temp folders, locks)',
    builder: (yargs) =>
      yargs
        .option('max-age', { type: 'string', describe: 'stale when the newest backup is older than this: 90m, 26h, 7d, 1w' })
        .option('format', { type: 'string', choices: ['text', 'prometheus'], describe: 'text (default) or prometheus: metrics in the text exposition format, for node_exporter or a scrape' })
        .option('notify', { type: 'boolean', describe: "alert the notify: targets (on: [stale]) of stale or failing profiles" })
        .option('shrink-below', { type: 'number', describe: 'flag a newest backup smaller than this share of the one before it (default 0.5; 0: never)' })
        .option('profile', { type: 'string', describe: "only this profile (and where it stores them: its storage: or outputDir)" })
        .positional('location', { type: 'string', describe: 'the backups folder or s3://bucket/prefix/ (the same as --output-dir)' })
        .option('output-dir', { alias: 'o', type: 'string', describe: 'the backups folder or s3://bucket/prefix/ (default ./backups, or PGBAK_OUTPUT_DIR)' }) as never,
    handler: async (args) => {
      const { logger } = ctx();
      // Bad flags fail before anything is read.
      const maxAgeMs = args['max-age'] === undefined ? undefined : parseDuration(args['max-age']);
      const shrinkBelow = args['shrink-below'];
      if (shrinkBelow !== undefined && !(shrinkBelow >= 0 && shrinkBelow <= 1)) throw new PgbakError('USAGE', `--shrink-below ${shrinkBelow}: give a share between 0 and 1`, { hint: 'e.g. --shrink-below 0.5: flag a backup less than half the size of the one before' });
      if (args.format === 'prometheus' && args.json) throw new PgbakError('USAGE', '--format prometheus and --json both say what to print', { hint: 'give one of them' });
      const json = args.json;
      const render = (report: StatusReport) => (args.format === 'prometheus' ? statusMetrics(report).replace(/\n$/, '') : json ? JSON.stringify(report) : describeStatus(report));
      // An empty exposition (no backups yet) is printed as nothing at all.
      const print = (text: string): void => {
        if (text !== '') ctx().print(text);
      };
      const folder = await openRepositoryContext({
        envFile: args['env-file'],
        profilesDir: args['profiles-dir'],
        location: args.location,
        outputDir: args['output-dir'],
        profile: args.profile,
      });
      const report = await backupStatus({ repository: folder.repository, maxAgeMs, profile: folder.profile?.name ?? args.profile, removeLeftovers: true, ...(shrinkBelow !== undefined && { shrinkBelow }) }).finally(() => folder.repository.close());
      for (const note of report.notes ?? []) logger.verbose(`${report.outputDir}: ${note}`);
      for (const file of report.ignored) logger.verbose(`ignored ${file.file}: ${file.reason}`);
      for (const leftover of report.leftovers) {
        if (leftover.action === 'failed') logger.warn(`cannot remove ${leftover.file} (${leftover.why}): ${leftover.error}`);
        else logger.info(`removed ${leftover.file}: ${leftover.why}`);
      }
      for (const group of report.groups.filter((g) => g.shrunk)) {
        logger.warn(`${group.host ? `${group.host} ` : ''}${group.profile}/${group.database}: the newest backup ${group.lastSuccess?.file ?? ''} is ${Math.round(group.shrunk!.ratio * 100)}% of the size of the one before (${formatBytes(group.shrunk!.bytes)}, was ${formatBytes(group.shrunk!.previousBytes)})`);
      }
      // Outcomes go into the report (--json); a failed alert is a warning and leaves the exit code alone.
      if (args.notify) {
        const { dirs, env, cwd } = folder;
        (report as StatusReport & { notifications?: unknown }).notifications = await notifyStatus({
          report,
          loadProfile: (name) => (folder.profile?.name === name ? Promise.resolve(folder.profile) : loadIfPresent(name, dirs, env, cwd)),
          env,
          logger,
          profile: args.profile,
        });
      }
      // --json prints one object: when stale, it is the error report (naming every stale group).
      if (!report.stale) return print(render(report));
      if (!json) print(render(report));
      const stale = report.groups.filter((group) => group.stale);
      // One clear line per stale group on stderr; the error sums them up.
      if (!json) for (const problem of report.problems.slice(0, stale.length)) logger.error(problem);
      const summary = stale.length > 0 ? `${stale.length} of ${report.groups.length} backup groups in ${report.outputDir} are stale` : report.problems[0]!;
      throw new PgbakError('STALE_BACKUP', summary, {
        hint: 'check that the scheduled backup still runs (cron, CronJob) and read its last log',
        details: report,
      });
    },
  };
}

function describeStatus(report: StatusReport): string {
  if (report.groups.length === 0) return `no backups in ${report.outputDir}`;
  // A fleet (several hosts or places) gets a HOST column first.
  const fleet = new Set(report.groups.map((g) => `${g.host ?? ''}\0${g.location}`)).size > 1;
  const rows = report.groups.map((group) => [...(fleet ? [group.host ?? '?'] : []), ...row(group)]);
  const table = renderTable([...(fleet ? ['HOST'] : []), 'PROFILE', 'DATABASE', 'BACKUPS', 'LAST SUCCESS (UTC)', 'AGE', 'SIZE', 'LAST VERIFIED (UTC)', 'LAST FAILURE (UTC)', 'STATE'], rows);
  // Why the newest run failed, where it did: one line per group, under the table.
  const why = report.groups
    .filter((group) => group.failing && group.lastFailure)
    .map((group) => `${group.profile}/${group.database}: last run failed ${formatUtc(group.lastFailure!.failedAt)}: ${describeFailure(group.lastFailure!)} (${group.lastFailure!.file})`);
  return [table, ...why].join('\n');
}

function row(group: GroupStatus): string[] {
  const success = group.lastSuccess;
  const verified = group.lastVerified ? `${formatUtc(group.lastVerified.startedAt)} (${formatAge(group.lastVerified.ageMs)})` : 'never';
  const failure = group.lastFailure ? `${formatUtc(group.lastFailure.failedAt)} (${formatAge(group.lastFailure.ageMs)})` : '-';
  const size = success ? `${formatBytes(success.bytes)}${group.previousBytes !== null ? ` (was ${formatBytes(group.previousBytes)})` : ''}` : '-';
  const shrunk = group.shrunk ? [`SHRUNK to ${Math.round(group.shrunk.ratio * 100)}% of the previous`] : [];
  const state = [group.stale ? 'STALE' : group.dropped ? 'not in newer runs (dropped?)' : 'ok', ...shrunk, ...(group.failing ? ['last run FAILED'] : []), ...(group.lastFailedVerification ? ['newest FAILED verify'] : []), ...(group.running ? [`running for ${formatAge(group.running.ageMs)} (pid ${group.running.pid})`] : [])].join(', ');
  return [group.profile, group.database, String(group.count), success ? formatUtc(success.startedAt) : 'never', success ? formatAge(success.ageMs) : '-', size, verified, failure, state];
}
