import type { Argv, CommandModule } from 'yargs';
import { loadCommandConfig } from '../config/run-config.js';
import { formatBytes, quoteArgv } from '../log/index.js';
import { listArchive, type ArchiveListing } from '../restore/list-archive.js';
import { restoreArchive } from '../restore/restore-archive.js';
import type { RestoreSummary } from '../restore/types.js';
import type { CommandContext, GlobalArgs } from './context.js';
import { keysOf, withKeyOptions, type KeyArgs } from './key-options.js';

/** Flags of `pgbak restore`. */
export interface RestoreArgs extends GlobalArgs, KeyArgs {
  zip: string;
  target?: string;
  entry?: string;
  database?: string;
  globals: boolean;
  create: boolean;
  clean: boolean;
  'data-only': boolean;
  'schema-only': boolean;
  table?: string[];
  schema?: string[];
  'no-owner': boolean;
  'no-privileges': boolean;
  'disable-triggers': boolean;
  jobs?: number;
  'no-single-transaction': boolean;
  loader: 'auto' | 'native';
  force: boolean;
  'dry-run': boolean;
  list: boolean;
  'verify-key'?: string[];
  host?: string;
  port?: number;
  user?: string;
  'maintenance-db'?: string;
}

/** Connection flags shared by `restore` and `verify`. */
export function withServerOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('host', { type: 'string', describe: 'server host or socket directory', group: 'Connection:' })
    .option('port', { alias: 'p', type: 'number', describe: 'server port', group: 'Connection:' })
    .option('user', { alias: 'U', type: 'string', describe: 'role to connect as (password: PGPASSWORD, .env, ~/.pgpass)', group: 'Connection:' })
    .option('maintenance-db', { type: 'string', describe: 'database for CREATE/DROP DATABASE and globals (default postgres)', group: 'Connection:' });
}

/** `--verify-key` of `restore` and `verify`. */
export const VERIFY_KEY_OPTION = {
  type: 'string',
  array: true,
  describe: 'refuse (exit 3) an archive not signed by this Ed25519 public key (signing.pub; repeat, or several in one file, while keys are rotated; default PGBAK_VERIFY_KEY_FILE)',
  group: 'Authenticity:',
} as const;

/** `--loader` of `restore` and `verify`. */
export const LOADER_DESCRIPTION = "plain SQL: run by psql, or by pgbak's native loader (no client tools needed); auto: psql when installed";

// `--no-owner` is a flag of its own here, as in pg_restore, not the negation of `--owner`.
const parserConfig = { 'camel-case-expansion': false, 'strip-aliased': true, 'duplicate-arguments-array': true, 'boolean-negation': false };

/** `pgbak restore <zip>`: check the archive, then restore it with pg_restore or psql. */
export function restoreCommand(ctx: () => CommandContext): CommandModule<object, RestoreArgs> {
  return {
    command: 'restore <zip>',
    describe: 'Restore a backup zip (sha256 checked first) with pg_restore or psql',
    builder: (yargs) =>
      withKeyOptions(withServerOptions(
        yargs
          .parserConfiguration(parserConfig)
          .positional('zip', { type: 'string', demandOption: true, describe: 'the backup archive' })
          .option('target', { type: 'string', describe: 'database to restore into (default: the one backed up)', group: 'What:' })
          .option('database', { alias: 'd', type: 'string', describe: 'restore only the entries of this backed-up database', group: 'What:' })
          .option('entry', { type: 'string', describe: 'restore only this entry (name in the zip, see --list)', group: 'What:' })
          .option('globals', { type: 'boolean', default: false, describe: 'restore roles and tablespaces (globals entry) with psql; errors such as "role exists" are counted as warnings', group: 'What:' })
          .option('table', { alias: 't', type: 'string', array: true, describe: 'only this table (pg_restore --table; schema.table allowed); repeat', group: 'What:' })
          .option('schema', { alias: 'n', type: 'string', array: true, describe: 'only this schema (pg_restore --schema); repeat', group: 'What:' })
          .option('data-only', { type: 'boolean', default: false, describe: 'data only, into existing tables', group: 'What:' })
          .option('schema-only', { type: 'boolean', default: false, describe: 'definitions only, no data', group: 'What:' })
          .option('create', { type: 'boolean', default: false, describe: 'create the target database if it does not exist', group: 'How:' })
          .option('clean', { type: 'boolean', default: false, describe: 'drop archived objects before recreating them (--clean --if-exists)', group: 'How:' })
          .option('force', { type: 'boolean', default: false, describe: 'restore into a database that already holds tables', group: 'How:' })
          .option('no-owner', { type: 'boolean', default: false, describe: 'do not set object owners', group: 'How:' })
          .option('no-privileges', { type: 'boolean', default: false, describe: 'do not restore GRANT/REVOKE', group: 'How:' })
          .option('disable-triggers', { type: 'boolean', default: false, describe: 'with --data-only: skip triggers and foreign key checks while loading (superuser)', group: 'How:' })
          .option('jobs', { alias: 'j', type: 'number', describe: 'parallel jobs: pg_restore -j for custom/directory (extracted to a private temp dir first), pgbak for a native split-layout dump', group: 'How:' })
          .option('no-single-transaction', { type: 'boolean', default: false, describe: 'do not restore in one transaction (all or nothing otherwise; --jobs cannot)', group: 'How:' })
          .option('loader', { choices: ['auto', 'native'] as const, default: 'auto' as const, describe: LOADER_DESCRIPTION, group: 'How:' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'print the commands (password redacted), run nothing', group: 'How:' })
          .option('list', { type: 'boolean', default: false, describe: 'show what the archive holds; needs no database', group: 'How:' })
          .option('verify-key', VERIFY_KEY_OPTION),
      )) as never,
    handler: async (args) => {
      const { logger, print, signal } = ctx();
      if (args.list) {
        const { env } = await loadCommandConfig({ envFile: args['env-file'] });
        const listing = await listArchive(args.zip, { env, logger, signal, verifyKeyFiles: args['verify-key'], keys: keysOf(args) });
        return print(args.json ? JSON.stringify(listing) : describeListing(listing));
      }
      const summary = await restoreArchive({
        archive: args.zip,
        target: args.target,
        entry: args.entry,
        database: args.database,
        globals: args.globals,
        create: args.create,
        clean: args.clean,
        dataOnly: args['data-only'],
        schemaOnly: args['schema-only'],
        tables: args.table ?? [],
        schemas: args.schema ?? [],
        noOwner: args['no-owner'],
        noPrivileges: args['no-privileges'],
        disableTriggers: args['disable-triggers'],
        jobs: args.jobs,
        noSingleTransaction: args['no-single-transaction'],
        loader: args.loader,
        force: args.force,
        dryRun: args['dry-run'],
        maintenanceDb: args['maintenance-db'],
        verifyKeyFiles: args['verify-key'],
        envFile: args['env-file'],
        keys: keysOf(args),
        connection: { host: args.host, port: args.port, user: args.user },
        logger,
        signal,
      });
      print(args.json ? JSON.stringify(summary) : describeSummary(summary));
    },
  };
}

function describeSummary(summary: RestoreSummary): string {
  if (summary.dryRun) {
    const lines = [`# ${summary.archive}: sha256 of every entry it would read checked; nothing was run`];
    // The semicolon ends the statement, before the note after it: the lines run as they are in psql.
    for (const sql of summary.sql) {
      const note = sql.lastIndexOf('  -- ');
      lines.push(note < 0 ? `${sql};` : `${sql.slice(0, note)};${sql.slice(note)}`);
    }
    for (const command of summary.commands) {
      if (command.loader) {
        const how = [command.loader.singleTransaction ? 'in one transaction' : '', command.loader.stopOnError ? 'stopping at the first error' : 'going on after errors'].filter(Boolean).join(', ');
        lines.push(`${command.loader.name}: into ${quoteArgv([command.loader.database])} as ${command.loader.server}, ${how}  < ${command.stdin ?? ''}`);
        continue;
      }
      const env = Object.entries(command.env).map(([k, v]) => `${k}=${quoteArgv([v])}`);
      const stdin = command.stdin === null ? '' : `  < ${command.stdin}`;
      lines.push(`${env.join(' ')} ${quoteArgv(command.argv)}${stdin}`);
    }
    return lines.join('\n');
  }
  return summary.items
    .map((item) => `${item.step}${item.database === null ? '' : ` (${item.database})`} -> ${item.target}\t${(item.durationMs / 1000).toFixed(1)}s${item.warnings.length ? `\t${item.warnings.length} warning(s)` : ''}`)
    .join('\n');
}

function describeSignature({ authenticity, signed, signedBy }: ArchiveListing): string {
  if (authenticity === 'verified') return `signed by key ${signedBy}: verified`;
  if (!signed) return 'not signed: authenticity not checked';
  return `signed${signedBy ? ` by key ${signedBy}` : ''}: not checked (no --verify-key given)`;
}

function describeListing(listing: ArchiveListing): string {
  const m = listing.manifest;
  const lines = [
    `archive   ${listing.archive}`,
    `profile   ${m.profile.name} (${m.profile.source}), pgbak ${m.pgbak.version}`,
    `source    ${m.source.host}:${m.source.port} as ${m.source.user}, database ${m.source.database}, PostgreSQL ${m.source.serverVersion.text}`,
    `taken     ${m.startedAt} .. ${m.finishedAt}`,
    `signature ${describeSignature(listing)}`,
  ];
  for (const step of listing.steps) {
    lines.push('', `# ${step.step}: ${step.kind}${step.database === null ? '' : ` of ${step.database}`}, ${step.format} format, by ${step.tool}${step.tables === null ? '' : `, ${step.tables} tables counted`}`);
    for (const entry of step.entries) lines.push(`  ${entry.name}\t${formatBytes(entry.bytes)}\t(${formatBytes(entry.stored)} in the zip)`);
    if (step.toc !== null) lines.push(...step.toc.trimEnd().split('\n').map((line) => `  ${line}`));
  }
  return lines.join('\n');
}
