import type { CommandModule } from 'yargs';
import { retentionRules, type RetentionPolicy } from '../config/profile-schema.js';
import { PgbakError } from '../errors.js';
import { formatUtc } from '../retention/format-time.js';
import { openRepositoryContext } from '../retention/output-folder.js';
import { profilePolicies } from '../retention/profile-policies.js';
import { pruneBackups, type PolicySource, type PruneGroup, type PruneItem, type PruneResult } from '../retention/prune.js';
import { describeReasons } from '../retention/select.js';
import type { CommandContext, GlobalArgs } from './context.js';

const keepFlags = ['keep-last', 'keep-daily', 'keep-weekly', 'keep-monthly', 'keep-yearly'] as const;

/** Flags of `pgbak prune`. */
export interface PruneArgs extends GlobalArgs {
  location?: string;
  'output-dir'?: string;
  profile?: string;
  database?: string;
  'dry-run': boolean;
  'keep-last'?: number;
  'keep-daily'?: number;
  'keep-weekly'?: number;
  'keep-monthly'?: number;
  'keep-yearly'?: number;
}

/** `pgbak prune`: delete the backups no retention rule keeps. */
export function pruneCommand(ctx: () => CommandContext): CommandModule<object, PruneArgs> {
  return {
    command: 'prune [location]',
    describe:
      "Delete backups no retention rule keeps (flags, or each profile's own retention:), logs of failed runs older than the oldest kept backup, and what killed runs left (.partial, temp folders, locks)",
    builder: (yargs) =>
      yargs
        .option('keep-last', { type: 'number', describe: 'keep the N newest backups', group: 'Retention:' })
        .option('keep-daily', { type: 'number', describe: 'keep the newest backup of each of the last N days with backups (UTC)', group: 'Retention:' })
        .option('keep-weekly', { type: 'number', describe: 'the same per ISO week', group: 'Retention:' })
        .option('keep-monthly', { type: 'number', describe: 'the same per month', group: 'Retention:' })
        .option('keep-yearly', { type: 'number', describe: 'the same per year', group: 'Retention:' })
        .option('profile', { type: 'string', describe: "only this profile's backups (and where it stores them: its storage: or outputDir)" })
        .option('database', { alias: 'd', type: 'string', describe: 'only backups of this database' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'show what would be deleted; delete nothing' })
        .positional('location', { type: 'string', describe: 'the backups folder or s3://bucket/prefix/ (the same as --output-dir)' })
        .option('output-dir', { alias: 'o', type: 'string', describe: 'the backups folder or s3://bucket/prefix/ (default ./backups, or PGBAK_OUTPUT_DIR)' }) as never,
    handler: async (args) => {
      const { logger, print } = ctx();
      const flags = policyFromFlags(args);
      const folder = await openRepositoryContext({
        envFile: args['env-file'],
        profilesDir: args['profiles-dir'],
        location: args.location,
        outputDir: args['output-dir'],
        profile: args.profile,
      });
      const policy: PolicySource = flags ?? profilePolicies({ ...folder, warn: (message) => logger.warn(message) });
      const result = await pruneBackups({ repository: folder.repository, policy, profile: folder.profile?.name ?? args.profile, database: args.database, dryRun: args['dry-run'], logger }).finally(() =>
        folder.repository.close(),
      );
      for (const note of result.notes ?? []) logger.verbose(`${result.outputDir}: ${note}`);
      for (const file of result.ignored) logger.verbose(`never deleted: ${file.file} (${file.reason})`);
      // --json prints one object: after a failed deletion it is the error report (deletions are logged on stderr).
      if (result.failed === 0) return print(args.json ? JSON.stringify(result) : describePrune(result));
      if (!args.json) print(describePrune(result));
      const first = result.items.find((item) => item.action === 'failed') ?? result.logs.find((log) => log.action === 'failed')!;
      throw new PgbakError('OUTPUT_NOT_WRITABLE', `${result.failed} of ${result.failed + result.deleted} backups or logs could not be deleted (first: ${first.message ?? first.file})`, {
        hint: folder.repository.kind === 's3' ? `check that the credentials may s3:DeleteObject in ${result.outputDir}` : `check the permissions of ${result.outputDir}`,
      });
    },
  };
}

/** The policy the keep-* flags spell, or null when none was given (then each profile's own applies). */
export function policyFromFlags(args: Partial<Record<(typeof keepFlags)[number], unknown>>): RetentionPolicy | null {
  const policy: RetentionPolicy = {};
  for (const flag of keepFlags) {
    const value = args[flag];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new PgbakError('USAGE', `--${flag} must be a whole number, 0 or more; got ${String(value)}`, { hint: 'e.g. --keep-daily 7 --keep-weekly 4' });
    }
    policy[policyKeyOf[flag]] = value;
  }
  return Object.keys(policy).length > 0 ? policy : null;
}

function describePrune(result: PruneResult): string {
  const lines: string[] = [];
  for (const leftover of result.leftovers) {
    const verb = { removed: 'removed', 'would-remove': 'would remove', failed: 'FAILED to remove' }[leftover.action];
    lines.push(`${verb} ${leftover.file}: ${leftover.why}${leftover.error ? `: ${leftover.error}` : ''}`);
  }
  if (result.groups.length === 0) return [...lines, `no backups in ${result.outputDir}`].join('\n');
  for (const group of result.groups) {
    lines.push(`${group.profile}/${group.database}: ${describePolicy(group)}`);
    const items = result.items.filter((item) => item.profile === group.profile && item.database === group.database);
    for (const item of items) lines.push(`  ${label(item).padEnd(12)}  ${formatUtc(item.startedAt)}  ${item.file}${detail(item)}`);
  }
  for (const log of result.logs) {
    lines.push(`${label(log).padEnd(14)}${formatUtc(log.startedAt)}  ${log.file}  (log of a failed run, older than the oldest kept backup)${log.message ? `  ${log.message}` : ''}`);
  }
  // A multi-database zip is an item in each of its groups: count files.
  const gone = new Set(result.items.filter((i) => i.action === (result.dryRun ? 'would-delete' : 'deleted')).map((i) => i.path)).size;
  const kept = new Set(result.items.filter((i) => i.action === 'kept' || i.action === 'skipped').map((i) => i.path)).size;
  lines.push(result.dryRun ? `dry run: ${gone} would be deleted, ${kept} kept` : `${gone} deleted, ${kept} kept${result.failed ? `, ${result.failed} FAILED` : ''}`);
  return lines.join('\n');
}

const policyKeyOf = Object.fromEntries(Object.entries(retentionRules).map(([key, rule]) => [rule, key])) as Record<(typeof keepFlags)[number], keyof RetentionPolicy>;

// Rules by the names of the flags that set them: `keep-daily 7, keep-weekly 4`.
function describePolicy(group: PruneGroup): string {
  if (group.skipped) return `SKIPPED: ${group.skipped}`;
  if (!group.policy) return `keeping everything (${group.policySource})`;
  const rules = Object.entries(group.policy)
    .filter(([, n]) => typeof n === 'number' && n > 0)
    .map(([key, n]) => `${retentionRules[key as keyof RetentionPolicy]} ${n}`);
  const dropped = group.dropped ? '; not in newer databases: all runs (dropped?): keeps nothing of its own' : '';
  return `${rules.join(', ')} (${group.policySource})${dropped}`;
}

function label(item: Pick<PruneItem, 'action'>): string {
  return { kept: 'keep', deleted: 'deleted', 'would-delete': 'would delete', failed: 'FAILED', skipped: 'skipped' }[item.action];
}

function detail(item: PruneItem): string {
  if (item.action === 'kept') return `  (${describeReasons(item.reasons)})`;
  if (item.action === 'failed') return `  ${item.message ?? ''}`;
  return '';
}
