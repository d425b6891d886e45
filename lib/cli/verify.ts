import type { CommandModule } from 'yargs';
import { PgbakError } from '../errors.js';
import { findNewestBackup, openRepositoryContext } from '../retention/index.js';
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
 * `pgbak verify --latest <location>`: the same for the newest backup there (a scheduled job's verify).
 */
export function verifyCommand(ctx: () => CommandContext): CommandModule<object, VerifyArgs> {
  return {
    command: 'verify [zip]',
    describe: 'Restore a backup into a scratch database, compare row counts and sequences with its manifest, drop it',
    builder: (yargs) =>
      withKeyOptions(withServerOptions(
        yargs
          .positional('zip', { type: 'string', describe: 'the backup archive (or --latest <location>)' })
          .option('latest', { type: 'string', describe: 'verify the newest backup in this folder or s3://bucket/prefix/ instead of naming a zip' })
          .option('profile', { type: 'string', describe: "with --latest: the newest of this profile's backups" })
          .option('database', { type: 'string', describe: 'with --latest: the newest backup holding this database' })
          .option('server', { type: 'string', describe: 'verify on this host[:port] (default: the server backed up)', group: 'Connection:' })
          .option('jobs', { alias: 'j', type: 'number', describe: 'parallel jobs: pg_restore -j for custom/directory entries, pgbak for a native split-layout dump' })
          .option('loader', { choices: ['auto', 'native'] as const, default: 'auto' as const, describe: LOADER_DESCRIPTION })
          .option('verify-key', VERIFY_KEY_OPTION),
      )) as never,
    handler: async (args) => {
      const { logger, print, signal } = ctx();
      const archive = await chooseArchive(args, (message) => logger.info(message));
      const result = await verifyArchive({
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
      if (result.ok) return print(args.json ? JSON.stringify(result) : describeResult(result));
      // --json prints one object: on a mismatch, the error report with the result as its details.
      if (!args.json) print(describeResult(result));
      const first = result.mismatches[0]!;
      throw new PgbakError('VERIFY_MISMATCH', `verification found ${result.mismatches.length} mismatch${result.mismatches.length === 1 ? '' : 'es'} (first: ${first.check} of ${first.object}: expected ${first.expected}, found ${first.found})`, {
        hint: `the backup does not hold what its manifest says; details in ${result.recordPath ?? 'the output above'}`,
        details: result,
      });
    },
  };
}

/** The zip named, or with --latest the newest backup of the location (exit 3 when it holds none). */
async function chooseArchive(args: VerifyArgs, info: (message: string) => void): Promise<string> {
  if (args.latest === undefined) {
    if (args.zip === undefined) throw new PgbakError('USAGE', 'name the archive to verify', { hint: 'pgbak verify <zip>, or pgbak verify --latest <folder|s3://bucket/prefix/>' });
    for (const flag of ['profile', 'database'] as const) {
      if (args[flag] !== undefined) throw new PgbakError('USAGE', `--${flag} chooses among backups with --latest; a named zip needs no choice`, { hint: `pgbak verify --latest <location> --${flag} ${args[flag]}` });
    }
    return args.zip;
  }
  if (args.zip !== undefined) {
    throw new PgbakError('USAGE', `both a zip (${args.zip}) and --latest ${args.latest}`, { hint: 'name the archive, or let --latest pick the newest backup of a location' });
  }
  const folder = await openRepositoryContext({ envFile: args['env-file'], profilesDir: args['profiles-dir'], location: args.latest, profile: args.profile });
  // A profile named by its file's path filters by its name, as its backups record it (as list does).
  const profile = folder.profile?.name ?? args.profile;
  const newest = await findNewestBackup(folder.repository, { profile, database: args.database }).finally(() => folder.repository.close());
  if (newest === null) {
    const which = [profile !== undefined && `of profile ${profile}`, args.database !== undefined && `of database ${args.database}`].filter(Boolean).join(' ');
    throw new PgbakError('STALE_BACKUP', `no backup ${which ? `${which} ` : ''}in ${folder.outputDir} to verify`, {
      hint: 'pgbak list shows what the location holds; the backup job may not have run yet, or writes elsewhere',
    });
  }
  info(`newest backup: ${newest.path} (started ${newest.startedAt})`);
  return newest.path;
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
