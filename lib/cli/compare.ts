import type { Argv, CommandModule } from 'yargs';
import { loadCommandConfig } from '../config/run-config.js';
import { compareSchemas, type CompareResult } from '../compare/compare.js';
import { renderDrift } from '../compare/render-text.js';
import { configuredSide, resolveSide, type SideInput } from '../compare/sides.js';
import { keysOf, withKeyOptions, type KeyArgs } from './key-options.js';
import { PgbakError } from '../errors.js';
import type { CommandContext, GlobalArgs } from './context.js';

type SideFlags = { [K in `${'s' | 't'}-${'host' | 'port' | 'user' | 'db'}`]?: string };

/** Flags of `pgbak compare`. */
export interface CompareArgs extends GlobalArgs, SideFlags, KeyArgs {
  source?: string;
  target?: string;
  'source-env'?: string;
  'target-env'?: string;
  schema?: string[];
  'include-comments': boolean;
  'include-privileges': boolean;
  sql: boolean;
  's-schema'?: string[];
  't-schema'?: string[];
}

/** `pgbak compare`: schema drift between two databases, or a database and a backup; exit 3 on drift. */
export function compareCommand(ctx: () => CommandContext): CommandModule<object, CompareArgs> {
  return {
    command: 'compare',
    describe: 'Schema drift between two databases (or a database and a backup): exit 0 when they match, 3 when they differ',
    builder: (yargs) => withKeyOptions(withCompareOptions(yargs)) as never,
    handler: async (args) => {
      const { logger, print } = ctx();
      const warn = (message: string) => logger.warn(message);
      const { cwd, env } = await loadCommandConfig({ envFile: args['env-file'] }, warn);
      const schemas = args.schema ?? [];
      const source = await resolveSide('source', sideInput(args, 'source', 's'), { env, cwd, schemas, warn, keys: keysOf(args) });
      if (!source) throw new PgbakError('USAGE', 'name the source: --source URL|backup.zip, --source-env FILE or --s-host/--s-db…', { hint: 'see pgbak compare --help' });
      const target = (await resolveSide('target', sideInput(args, 'target', 't'), { env, cwd, schemas, warn, keys: keysOf(args) })) ?? (await configuredSide(env, schemas));
      logger.info(`comparing ${source.label} (source) with ${target.label} (target)`);
      const result = await compareSchemas({
        source,
        target,
        includeComments: args['include-comments'],
        includePrivileges: args['include-privileges'],
        sql: args.sql,
      });
      if (args.json) {
        if (result.identical) return print(JSON.stringify(result));
      } else if (args.sql) {
        print(result.sql!.replace(/\n$/, ''));
      } else {
        print(renderDrift(result.drift, { source: sideLabel(result.source), target: sideLabel(result.target) }));
      }
      if (result.identical) return;
      // --json prints one object: on drift, the error report with the comparison as its details.
      throw new PgbakError('SCHEMA_DRIFT', describeCounts(result), {
        hint: args.sql ? 'review the DDL above before running it; pgbak never runs it' : 'pgbak compare … --sql prints the DDL that would bring the target to the source',
        details: result,
      });
    },
  };
}

function withCompareOptions(yargs: Argv) {
  return yargs
    .option('source', { type: 'string', describe: 'the reference: postgres:// URL or a pgbak backup .zip', group: 'Sides:' })
    .option('target', { type: 'string', describe: 'compared with the source: URL or backup .zip (default: the configured connection)', group: 'Sides:' })
    .option('source-env', { type: 'string', describe: 'dotenv file with PG* / DATABASE_URL for the source', group: 'Sides:' })
    .option('target-env', { type: 'string', describe: 'dotenv file with PG* / DATABASE_URL for the target', group: 'Sides:' })
    .option('s-host', { type: 'string', describe: 'source host', group: 'Source flags:' })
    .option('s-port', { type: 'string', describe: 'source port', group: 'Source flags:' })
    .option('s-user', { type: 'string', describe: 'source user', group: 'Source flags:' })
    .option('s-db', { type: 'string', describe: 'source database (for a backup of several: which one)', group: 'Source flags:' })
    .option('s-schema', { type: 'string', array: true, describe: 'schemas of the source only (repeatable)', group: 'Source flags:' })
    .option('t-host', { type: 'string', describe: 'target host', group: 'Target flags:' })
    .option('t-port', { type: 'string', describe: 'target port', group: 'Target flags:' })
    .option('t-user', { type: 'string', describe: 'target user', group: 'Target flags:' })
    .option('t-db', { type: 'string', describe: 'target database (for a backup of several: which one)', group: 'Target flags:' })
    .option('t-schema', { type: 'string', array: true, describe: 'schemas of the target only (repeatable)', group: 'Target flags:' })
    .option('schema', { alias: 'n', type: 'string', array: true, describe: 'compare only this schema (repeatable; default: every user schema)' })
    .option('include-comments', { type: 'boolean', default: false, describe: 'compare COMMENT ON too' })
    .option('include-privileges', { type: 'boolean', default: false, describe: 'compare ownership and grants too' })
    .option('sql', { type: 'boolean', default: false, describe: 'print the DDL that would bring the target to the source (never run)' })
    .example('$0 compare --source postgres://ro@prod/app --target postgres://ro@staging/app', 'two live databases')
    .example('$0 compare --source-env .env.prod --target-env .env.staging -n public -n billing', 'connections from env files, two schemas')
    .example('$0 compare --source backups/nightly-app-20261122T010000Z.zip --target $DATABASE_URL', 'a backup against a database');
}

function sideInput(args: CompareArgs, name: 'source' | 'target', p: 's' | 't'): SideInput {
  return {
    value: args[name],
    envFile: args[`${name}-env`],
    host: args[`${p}-host`],
    port: args[`${p}-port`],
    user: args[`${p}-user`],
    database: args[`${p}-db`],
    schemas: args[`${p}-schema`],
  };
}

function sideLabel(side: CompareResult['source']) {
  return { label: side.kind === 'backup' ? `${side.label} (backup of ${side.database})` : side.label, serverVersion: side.serverVersion };
}

function describeCounts(result: CompareResult): string {
  const { missing, extra, different } = result.counts;
  return `schema drift: ${missing} missing in target, ${extra} extra in target, ${different} different`;
}
