import type { CommandModule } from 'yargs';
import { PgbakError } from '../errors.js';
import { findNewestBackups, openRepositoryContext } from '../retention/index.js';
import { verifyArchive, type VerifyResult } from '../restore/verify-archive.js';
import type { CommandContext, GlobalArgs } from './context.js';
import { LOADER_DESCRIPTION, VERIFY_KEY_OPTION, withServerOptions } from './restore.js';
import { keysOf, withKeyOptions, type KeyArgs } from './key-options.js';

/** Flags of `pgbak verify`. */
export interface VerifyArgs extends GlobalArgs, KeyArgs {
  zip?: string;
  latest?: string;
  profile?: string;
  database?: string;
  server?: string;
  host?: string;
  port?: number;
  user?: string;
  'maintenance-db'?: string;
  jobs?: number;
  loader: 'auto' | 'native';
  'verify-key'?: string[];
}

/**
 * `pgbak verify <zip>`: restore into scratch databases, compare with the manifest, drop them.
 * `pgbak verify --latest <location>`: the same for the newest backup of each database there (a scheduled job's verify).
 */
export function verifyCommand(ctx: () => CommandContext): CommandModule<object, VerifyArgs> {
  return {
    command: 'verify [zip]',
    describe: 'Restore a backup into a scratch database, compare row counts and sequences with its manifest, drop it',
    builder: (yargs) =>
      withKeyOptions(withServerOptions(
        yargs
          .positional('zip', { type: 'string', describe: 'the backup archive (or --latest <location>)' })
          .option('latest', { type: 'string', describe: 'verify the newest backup of each database in this folder or s3://bucket/prefix/ instead of naming a zip' })
          .option('profile', { type: 'string', describe: "with --latest: the newest of this profile's backups" })
          .option('database', { type: 'string', describe: 'with --latest: only the newest backup holding this database' })
          .option('server', { type: 'string', describe: 'verify on this host[:port] (default: the server backed up)', group: 'Connection:' })
          .option('jobs', { alias: 'j', type: 'number', describe: 'parallel jobs: pg_restore -j for custom/directory entries, pgbak for a native split-layout dump' })
          .option('loader', { choices: ['auto', 'native'] as const, default: 'auto' as const, describe: LOADER_DESCRIPTION })
          .option('verify-key', VERIFY_KEY_OPTION),
      )) as never,
    handler: async (args) => {
      const { logger, print, signal } = ctx();
      const archives = await chooseArchives(args, (message) => logger.info(message));
      const verifyOne = (archive: string) =>
        verifyArchive({
          archive,
          server: args.server,
          connectionFlags: { host: args.host, port: args.port, user: args.user },
          maintenanceDb: args['maintenance-db'],
          jobs: args.jobs,
          loader: args.loader,
          verifyKeyFiles: args['verify-key'],
          envFile: args['env-file'],
          keys: keysOf(args),
          logger,
          signal,
        });
      if (args.latest === undefined) {
        const result = await verifyOne(archives[0]!);
        if (result.ok) return print(args.json ? JSON.stringify(result) : describeResult(result));
        // --json prints one object: on a mismatch, the error report with the result as its details.
        if (!args.json) print(describeResult(result));
        throw mismatchError([result]);
      }
      return verifyEach(archives, verifyOne, { json: args.json === true, print, logger });
    },
  };
}

/** One backup's outcome under --latest: its result, or why it could not be verified. */
type LatestOutcome = { archive: string; result: VerifyResult } | { archive: string; error: PgbakError };

/**
 * `--latest`: verifies each chosen backup in turn, one failing not stopping the next
 * (every verdict is recorded beside its backup). Ends with the first failure's exit code
 * and error code (a damaged archive or a failed restore before a mismatch), else exit 3 on a mismatch.
 */
async function verifyEach(
  archives: readonly string[],
  verifyOne: (archive: string) => Promise<VerifyResult>,
  out: { json: boolean; print: (text: string) => void; logger: { error: (message: string) => void } },
): Promise<void> {
  const outcomes: LatestOutcome[] = [];
  for (const archive of archives) {
    try {
      const result = await verifyOne(archive);
      outcomes.push({ archive, result });
      if (!out.json) out.print(describeResult(result));
    } catch (error) {
      if (!(error instanceof PgbakError) || error.code === 'INTERRUPTED') throw error;
      outcomes.push({ archive, error });
      out.logger.error(`${archive}: ${error.message}`);
    }
  }
  const results = outcomes.flatMap((o) => ('result' in o ? [o.result] : []));
  const failed = outcomes.flatMap((o) => ('error' in o ? [o] : []));
  const report = {
    ok: failed.length === 0 && results.every((r) => r.ok),
    backups: outcomes.map((o) => ('result' in o ? o.result : { archive: o.archive, ok: false, error: { code: o.error.code, message: o.error.message } })),
  };
  if (report.ok) return out.json ? out.print(JSON.stringify(report)) : undefined;
  if (failed.length > 0) {
    const first = failed[0]!;
    throw new PgbakError(first.error.code, `${failed.length} of ${outcomes.length} backups could not be verified; the first: ${first.error.message.includes(first.archive) ? first.error.message : `${first.archive}: ${first.error.message}`}`, {
      hint: first.error.hint ?? 'each verdict is recorded beside its backup (<zip>.verified.json)',
      details: report,
    });
  }
  throw mismatchError(results.filter((r) => !r.ok), report);
}

function mismatchError(mismatched: readonly VerifyResult[], details: unknown = mismatched[0]): PgbakError {
  const result = mismatched[0]!;
  const first = result.mismatches[0]!;
  const count = result.mismatches.length;
  const where = mismatched.length > 1 ? ` in ${mismatched.length} backups` : '';
  return new PgbakError('VERIFY_MISMATCH', `verification found ${count} mismatch${count === 1 ? '' : 'es'}${where} (first: ${first.check} of ${first.object}: expected ${first.expected}, found ${first.found})`, {
    hint: `the backup does not hold what its manifest says; details in ${result.recordPath ?? 'the output above'}`,
    details,
  });
}

/** The zip named, or with --latest the newest backup of each database of the location (exit 3 when it holds none). */
async function chooseArchives(args: VerifyArgs, info: (message: string) => void): Promise<string[]> {
  if (args.latest === undefined) {
    if (args.zip === undefined) throw new PgbakError('USAGE', 'name the archive to verify', { hint: 'pgbak verify <zip>, or pgbak verify --latest <folder|s3://bucket/prefix/>' });
    for (const flag of ['profile', 'database'] as const) {
      if (args[flag] !== undefined) throw new PgbakError('USAGE', `--${flag} chooses among backups with --latest; a named zip needs no choice`, { hint: `pgbak verify --latest <location> --${flag} ${args[flag]}` });
    }
    return [args.zip];
  }
  if (args.zip !== undefined) {
    throw new PgbakError('USAGE', `both a zip (${args.zip}) and --latest ${args.latest}`, { hint: 'name the archive, or let --latest pick the newest backup of a location' });
  }
  const folder = await openRepositoryContext({ envFile: args['env-file'], profilesDir: args['profiles-dir'], location: args.latest, profile: args.profile });
  // A profile named by its file's path filters by its name, as its backups record it (as list does).
  const profile = folder.profile?.name ?? args.profile;
  const newest = await findNewestBackups(folder.repository, { profile, database: args.database }).finally(() => folder.repository.close());
  if (newest.length === 0) {
    const which = [profile !== undefined && `of profile ${profile}`, args.database !== undefined && `of database ${args.database}`].filter(Boolean).join(' ');
    throw new PgbakError('STALE_BACKUP', `no backup ${which ? `${which} ` : ''}in ${folder.outputDir} to verify`, {
      hint: 'pgbak list shows what the location holds; the backup job may not have run yet, or writes elsewhere',
    });
  }
  for (const backup of newest) info(`newest backup of ${backup.databases.join(', ')}: ${backup.path} (started ${backup.startedAt})`);
  return newest.map((backup) => backup.path);
}

function describeResult(result: VerifyResult): string {
  const lines = [`${result.archive}\t${result.ok ? 'verified' : 'MISMATCH'}\t${(result.durationMs / 1000).toFixed(1)}s`];
  const checksum = result.zipChecksum;
  if (result.authenticity) lines.push(`  signature: ${result.authenticity === 'verified' ? `verified, signed by key ${result.signedBy}` : 'authenticity not checked'}`);
  if (checksum) lines.push(`  zip sha256: ${checksum.status === 'matched' ? `matches ${result.archive}.sha256` : checksum.status === 'not recorded' ? 'zip checksum not recorded' : 'not checked (unreadable .sha256)'}`);
  for (const db of result.databases) {
    const tables = db.checks.reduce((n, c) => n + c.tables, 0);
    const sequences = db.checks.reduce((n, c) => n + c.sequences, 0);
    lines.push(`  ${db.database} (${db.steps.join(' + ')}): ${tables} tables, ${sequences} sequences compared`);
    for (const skipped of db.checks.flatMap((c) => c.skipped)) lines.push(`    not compared: ${skipped}`);
  }
  for (const m of result.mismatches) lines.push(`  ${m.database}\t${m.check}\t${m.object}\texpected ${m.expected}\tfound ${m.found}`);
  return lines.join('\n');
}
