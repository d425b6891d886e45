import type { Argv } from 'yargs';
import { dumpFormats, engines, layouts, rowCountModes, type DumpFormat, type EngineChoice, type Layout, type RowCountMode } from '../config/profile-schema.js';
import type { RunConfigInput } from '../config/run-config.js';
import type { GlobalArgs } from './context.js';

/** Flags shared by `run` and `plan`: connection and step overrides. */
export interface RunArgs extends GlobalArgs {
  profile: string;
  database?: string;
  host?: string;
  port?: number;
  user?: string;
  table?: string[];
  'exclude-table'?: string[];
  schema?: string[];
  format?: DumpFormat;
  jobs?: number;
  concurrency?: number;
  'output-dir'?: string;
  storage?: string[];
  'row-counts'?: RowCountMode;
  'schema-model'?: boolean;
  verify?: boolean;
  engine?: EngineChoice;
  layout?: Layout;
}

export function withRunOptions<T>(yargs: Argv<T>, options: { optionalProfile?: boolean } = {}) {
  return yargs
    .positional('profile', { type: 'string', demandOption: options.optionalProfile !== true, describe: 'profile name (./profiles, then built-in) or path to a YAML file' })
    .option('database', { alias: 'd', type: 'string', describe: 'database to dump (overrides PGDATABASE, DATABASE_URL, the profile)', group: 'Connection:' })
    .option('host', { type: 'string', describe: 'server host or socket directory', group: 'Connection:' })
    .option('port', { alias: 'p', type: 'number', describe: 'server port', group: 'Connection:' })
    .option('user', { alias: 'U', type: 'string', describe: 'role to connect as', group: 'Connection:' })
    .option('table', { alias: 't', type: 'string', array: true, describe: 'only these tables (pg_dump --table pattern); repeat', group: 'Steps:' })
    .option('exclude-table', { alias: 'T', type: 'string', array: true, describe: 'leave these tables out; repeat', group: 'Steps:' })
    .option('schema', { alias: 'n', type: 'string', array: true, describe: 'only these schemas; repeat', group: 'Steps:' })
    .option('format', { alias: 'F', choices: dumpFormats, describe: 'pg_dump output format', group: 'Steps:' })
    .option('jobs', { alias: 'j', type: 'number', describe: 'parallel jobs (directory format)', group: 'Steps:' })
    .option('concurrency', { type: 'number', describe: 'databases dumped at once, one archive each (databases: all or a list); bounded by the profile\'s maxConnections', group: 'Steps:' })
    .option('row-counts', { choices: rowCountModes, describe: 'per-table row counts in the manifest', group: 'Steps:' })
    .option('schema-model', { type: 'boolean', describe: "store each database's schema model for pgbak compare (default); --no-schema-model skips it", group: 'Steps:' })
    .option('engine', { choices: engines, describe: 'pg_dump, native (catalog + COPY through the driver), or auto: pg_dump when a compatible one is installed', group: 'Steps:' })
    .option('layout', { choices: layouts, describe: 'native engine: one SQL file (single), or parts that restore --jobs loads in parallel (split)', group: 'Steps:' })
    .option('verify', { type: 'boolean', describe: 'restore-test the backup right after writing it (exit 3 on a mismatch); --no-verify skips a profile\'s verify: true' })
    .option('output-dir', { alias: 'o', type: 'string', describe: 'where the zip goes (default ./backups, or PGBAK_OUTPUT_DIR)' })
    .option('storage', { type: 'string', array: true, describe: "s3://bucket/prefix/ or a folder: where the zip goes instead of the profile's storage; repeat for several copies" });
}

/** Turns parsed flags into what the run's configuration is loaded from. */
export function toRunConfigInput(args: RunArgs): RunConfigInput {
  return {
    profile: args.profile,
    envFile: args['env-file'],
    profilesDir: args['profiles-dir'],
    outputDir: args['output-dir'],
    storage: args.storage,
    connection: { host: args.host, port: args.port, user: args.user, database: args.database },
    overrides: {
      tables: args.table,
      excludeTables: args['exclude-table'],
      schemas: args.schema,
      format: args.format,
      jobs: args.jobs,
      concurrency: args.concurrency,
      rowCounts: args['row-counts'],
      schemaModel: args['schema-model'],
      verify: args.verify,
      engine: args.engine,
      layout: args.layout,
    },
  };
}
