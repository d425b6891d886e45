import type { CommandModule } from 'yargs';
import { formatBytes } from '../log/index.js';
import { formatAge, formatUtc } from '../retention/format-time.js';
import { renderTable } from '../retention/format-table.js';
import { openRepositoryContext } from '../retention/output-folder.js';
import { backupRows, scanBackups, type BackupInfo } from '../retention/scan.js';
import type { CommandContext, GlobalArgs } from './context.js';

/** Flags of `pgbak list`. */
export interface ListArgs extends GlobalArgs {
  location?: string;
  'output-dir'?: string;
  profile?: string;
}

/** `pgbak list`: the backups in the output folder. */
export function listCommand(ctx: () => CommandContext): CommandModule<object, ListArgs> {
  return {
    command: 'list [location]',
    describe: 'List the backups in the output folder (or a bucket: s3://bucket/prefix/), one row per profile and database: UTC time, age, size, verified?',
    builder: (yargs) =>
      yargs
        .positional('location', { type: 'string', describe: 'the backups folder or s3://bucket/prefix/ (the same as --output-dir)' })
        .option('output-dir', { alias: 'o', type: 'string', describe: 'the backups folder or s3://bucket/prefix/ (default ./backups, or PGBAK_OUTPUT_DIR)' })
        .option('profile', { type: 'string', describe: "only this profile's backups (and where it stores them: its storage: or outputDir)" }) as never,
    handler: async (args) => {
      const { logger, print } = ctx();
      const folder = await openRepositoryContext({
        envFile: args['env-file'],
        profilesDir: args['profiles-dir'],
        location: args.location,
        outputDir: args['output-dir'],
        profile: args.profile,
      });
      // A profile named by its file's path filters by its name, as its backups record it.
      const profile = folder.profile?.name ?? args.profile;
      const scan = await scanBackups(folder.repository).finally(() => folder.repository.close());
      const now = Date.now();
      // One row per (profile, database): a multi-database zip is listed under each database it holds.
      const backups = backupRows(scan.backups.filter((b) => profile === undefined || b.profile === profile)).sort(byGroupThenTime);
      const failedRuns = scan.failedRuns.filter((f) => profile === undefined || f.profile === profile);
      for (const file of scan.ignored) logger.info(`ignored ${file.file}: ${file.reason}`);
      for (const note of scan.notes ?? []) logger.verbose(`${scan.outputDir}: ${note}`);
      for (const backup of backups) if (backup.verificationProblem) logger.warn(backup.verificationProblem);
      if (args.json) {
        const listed = backups.map((b) => ({ ...b, ageMs: now - Date.parse(b.startedAt) }));
        return print(JSON.stringify({ outputDir: scan.outputDir, backups: listed, failedRuns, ignored: scan.ignored, ...(scan.notes && { notes: scan.notes }) }));
      }
      if (backups.length === 0) return logger.info(`no backups in ${scan.outputDir}`);
      print(renderTable(['PROFILE', 'DATABASE', 'STARTED (UTC)', 'AGE', 'SIZE', 'VERIFIED', 'FILE'], backups.map((b) => row(b, now))));
    },
  };
}

function row(backup: BackupInfo, now: number): string[] {
  const verified = backup.verification === null ? 'no' : backup.verification.ok ? 'yes' : backup.verification.notVerified ? 'not verified' : 'FAILED';
  return [backup.profile, backup.database, formatUtc(backup.startedAt), formatAge(now - Date.parse(backup.startedAt)), formatBytes(backup.size), verified, backup.file];
}

// Grouped like the retention rule sees them; oldest first so the newest ends up
// next to the prompt.
function byGroupThenTime(a: BackupInfo, b: BackupInfo): number {
  return a.profile.localeCompare(b.profile) || a.database.localeCompare(b.database) || Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.file.localeCompare(b.file);
}
