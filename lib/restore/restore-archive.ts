import { resolve } from 'node:path';
import { withSslPasswordFiles } from '../config/ssl-password-file.js';
import { loadCommandConfig } from '../config/run-config.js';
import { resolveConnection } from '../config/resolve-connection.js';
import { withClient } from '../db/client.js';
import { readServerInfo } from '../db/server-info.js';
import { PgbakError } from '../errors.js';
import { createLogger } from '../log/index.js';
import { quoteIdent } from '../sql/quote.js';
import { isS3Location } from '../storage/index.js';
import { checkFlags, singleTransaction, tableSelection, type RestoreFlags } from './build-argv.js';
import { checkTargets } from './check-targets.js';
import { NATIVE_LOADER } from './native-loader-glue.js';
import { checkUnrestrictedScripts } from './restrict-psql.js';
import { checkScripts } from './check-scripts.js';
import { chooseTools } from './choose-tools.js';
import { entriesCheckedWhileLoading, entriesRead, narrowItems } from './entries-read.js';
import { authenticityOf, loadVerifyKeys, reportAuthenticity } from './authenticity.js';
import { checkEntries, checkListed, openArchive } from './open-archive.js';
import { describeCommand, restoreItem } from './restore-item.js';
import { selectItems } from './select-items.js';
import { applyDatabaseProperties, checkDefinitionRoles, createDatabase, createDatabaseSql, databasePropertiesSql, dropDatabase, ensureSchemas, type DatabaseToCreate } from './target-db.js';
import type { RestoredItem, RestoreItem, RestoreOptions, RestoreSummary } from './types.js';
import type { Connection } from '../config/connection-types.js';
import type { PgbakLogger } from '../log/index.js';

/**
 * Restores a pgbak archive: the manifest is read (with verify keys, its signature
 * checked) and every entry checked against its sha256 first; then the targets are checked (missing, not empty) and created;
 * then each selected entry is streamed into pg_restore or psql. Nothing touches a
 * database before the archive is known to be intact, with one exception: the tables'
 * rows of a split native dump are checked while they load, each table's transaction
 * committed only once its entry matched (split-part-check.ts; a target created here is
 * dropped when one does not).
 */
export function restoreArchive(options: RestoreOptions): Promise<RestoreSummary> {
  return withSslPasswordFiles(() => restoreArchiveHeld(options));
}

async function restoreArchiveHeld(options: RestoreOptions): Promise<RestoreSummary> {
  const started = Date.now();
  const logger = options.logger ?? createLogger({ level: 'quiet' });
  const signal = options.signal ?? new AbortController().signal;
  const { cwd, env } = await loadCommandConfig(options, (message) => logger.warn(message));
  const verifyKeys = await loadVerifyKeys(options.verifyKeyFiles, env, cwd);
  const maintenanceDb = options.maintenanceDb ?? 'postgres';
  const connection = await resolveConnection({ env, flags: { ...options.connection, database: maintenanceDb } });
  if (connection.password) logger.addSecret(connection.password.reveal());
  if (connection.sslpassword) logger.addSecret(connection.sslpassword.reveal());
  const flags: RestoreFlags = options;

  // An s3:// archive is read in place by ranged GETs, checked as a local one is: every entry
  // the restore reads matches its sha256 before any server is touched. Only what it reads is
  // read: the steps restored and, of a directory dump restored in part, the files it needs.
  const location = isS3Location(options.archive) ? options.archive : resolve(cwd, options.archive);
  // With verify keys, the manifest's signature is checked first of all: a refusal touches nothing.
  const archive = await openArchive(location, { check: false, logger, env, verifyKeys, keys: options.keys });
  try {
    reportAuthenticity(archive.signature, logger);
    const authenticity = authenticityOf(archive.signature);
    const selected = selectItems(archive.manifest, { ...options, maintenanceDb });
    for (const item of selected) checkFlags(item, flags);
    const items = await narrowItems(selected, archive, flags, { env, logger, signal });
    checkListed(archive, entriesCheckedWhileLoading(items, archive.manifest));
    await checkEntries(archive, entriesRead(items, archive.manifest), logger);
    throwIfAborted(signal);
    // Before any server is touched: a plain script with a meta-command pg_dump does not write never reaches psql.
    const scripts = await checkScripts(items, archive.reader);
    throwIfAborted(signal);
    const sourceMajor = archive.manifest.source.serverVersion.major;
    if (options.dryRun) {
      const tools = await chooseTools(items, env, null, logger, { loader: options.loader, connection });
      // The server's major decides CREATE DATABASE's spelling; a dry run asks no server: the source's.
      const sql = options.create ? dryRunCreateSql(items, { serverMajor: sourceMajor, sourceMajor, noOwner: flags.noOwner === true, noPrivileges: flags.noPrivileges === true }) : [];
      const commands = items.map((item) => describeCommand(item, tools.get(item)!, connection, flags, scripts.get(item)));
      return { ok: true, archive: archive.path, ...authenticity, dryRun: true, sql, commands, items: [], durationMs: Date.now() - started };
    }
    if (!options.noSingleTransaction && !singleTransaction(flags) && items.some((item) => item.database !== null && item.format !== 'plain')) {
      logger.warn(`--jobs ${flags.jobs}: pg_restore cannot restore in parallel inside one transaction, so a failure leaves the target partly restored`);
    }
    if (!options.noSingleTransaction && (flags.jobs ?? 1) > 1 && items.some((item) => item.input.type === 'split')) {
      logger.warn(`--jobs ${flags.jobs}: a parallel restore of a split native dump commits each table and item on its own, so a failure leaves the target partly restored`);
    }
    for (const item of items) {
      if ((flags.jobs ?? 1) > 1 && item.engine === 'native' && item.input.type === 'entry' && item.database !== null) {
        logger.warn(`${item.step} (${item.database}): --jobs ${flags.jobs}: a single-file native dump is one script, restored serially; back up with layout: split (run --layout split) to restore it in parallel`);
      }
    }
    const sqlOptions = (serverMajor: number): DefinitionOptions => ({ serverMajor, sourceMajor, noOwner: flags.noOwner === true, noPrivileges: flags.noPrivileges === true });
    let serverMajor = sourceMajor;
    const { toCreate, tools } = await withClient(connection, maintenanceDb, async (client) => {
      const info = await readServerInfo(client);
      serverMajor = info.version.major;
      // Every tool the restore needs is found before anything is created: a missing
      // pg_restore must not leave an empty database behind.
      const found = await chooseTools(items, env, info.version, logger, { loader: options.loader, connection });
      checkUnrestrictedScripts(items, scripts, found, options);
      const missing = await checkTargets(client, connection, items, options);
      for (const name of missing) {
        const source = databaseToCreate(items, name, sqlOptions(serverMajor));
        if (source) await checkDefinitionRoles(client, name, source);
      }
      for (const name of missing) {
        throwIfAborted(signal);
        const source = databaseToCreate(items, name, sqlOptions(serverMajor));
        logger.info(`creating database ${quoteIdent(name)}${source ? ` as the dumped one was (${describeDefinition(source)})` : ''}`);
        await createDatabase(client, name, source);
      }
      return { toCreate: missing, tools: found };
    });
    const schemas = tableSelection(options.tables ?? [], options.schemas ?? []).schemas;
    if (schemas.length > 0 && !options.dataOnly) {
      for (const target of new Set(items.filter((i) => i.database !== null && i.format !== 'plain').map((i) => i.target))) {
        await withClient(connection, target, (client) => ensureSchemas(client, schemas));
      }
    }
    const restored: RestoredItem[] = [];
    for (const item of items) {
      throwIfAborted(signal);
      const tool = tools.get(item)!;
      const itemStarted = Date.now();
      logger.info(`${item.step}${item.database === null ? '' : ` (${item.database})`}: restoring into "${item.target}" with ${tool === NATIVE_LOADER ? "pgbak's native loader" : `${tool.name} ${tool.version.text}`}`);
      const outcome = await restoreItem(item, archive.reader, tool, connection, flags, env, { logger, signal }, scripts.get(item)).catch((error: unknown) =>
        dropIfAltered(error, item, toCreate.includes(item.target) ? connection : null, logger),
      );
      const warnings = item.database === null && outcome.errors > 0
        ? [`psql reported ${outcome.errors} error${outcome.errors === 1 ? '' : 's'} replaying the globals (expected for roles that already exist); first: ${outcome.stderr.find((l) => /ERROR:/.test(l)) ?? ''}`]
        : outcome.stderr.filter((line) => /warning/i.test(line) && !expectedWarning.test(line));
      for (const warning of warnings) logger.warn(warning);
      restored.push({
        step: item.step,
        database: item.database,
        target: item.target,
        format: item.format,
        tool: tool.path,
        created: toCreate.includes(item.target),
        durationMs: Date.now() - itemStarted,
        warnings,
      });
    }
    // The created databases get the dumped one's properties once their contents are in (see databasePropertyStatements).
    for (const name of toCreate) {
      const source = databaseToCreate(items, name, sqlOptions(serverMajor));
      if (source === null) continue;
      throwIfAborted(signal);
      logger.info(`setting the properties of database ${quoteIdent(name)} (comment, settings, grants) as the dumped one had them`);
      await withClient(connection, maintenanceDb, (client) => applyDatabaseProperties(client, name, source));
    }
    return { ok: true, archive: archive.path, ...authenticity, dryRun: false, sql: [], commands: [], items: restored, durationMs: Date.now() - started };
  } finally {
    archive.reader.close();
  }
}

// A plain dump with large objects brackets them in BEGIN/COMMIT, which psql
// --single-transaction answers with these two notices: harmless, and not news.
const expectedWarning = /there is (already a|no) transaction in progress/;

type DefinitionOptions = DatabaseToCreate['options'];

/** The definition of the database restored into `target`: the first item of it that carries one (native whole-database dumps). */
function databaseToCreate(items: readonly RestoreItem[], target: string, options: DefinitionOptions): DatabaseToCreate | null {
  const definition = items.find((i) => i.database !== null && i.target === target && i.databaseDefinition)?.databaseDefinition;
  return definition ? { definition, options } : null;
}

function describeDefinition({ definition: d }: DatabaseToCreate): string {
  const locale = d.locale === null ? d.collate : `${d.localeProvider} ${d.locale}`;
  return `${d.encoding}, ${locale}`;
}

// What --dry-run prints for --create: per target, what runs when it is missing.
function dryRunCreateSql(items: readonly RestoreItem[], options: DefinitionOptions): string[] {
  const sql: string[] = [];
  for (const target of new Set(items.filter((i) => i.database !== null).map((i) => i.target))) {
    const source = databaseToCreate(items, target, options);
    sql.push(...createDatabaseSql(target, source).map((s) => `${s}  -- if missing`));
    if (source) sql.push(...databasePropertiesSql(target, source).map((s) => `${s}  -- once restored, if it was missing`));
  }
  return sql;
}

/**
 * A split native dump's table found altered while it loaded (its rows rolled back,
 * the schema and other tables committed): a target this restore created is dropped,
 * so that nothing of an altered archive is left. Rethrows the error.
 */
async function dropIfAltered(error: unknown, item: RestoreItem, created: Connection | null, logger: PgbakLogger): Promise<never> {
  const altered = error instanceof PgbakError && (error.code === 'ARCHIVE_TAMPERED' || error.code === 'ARCHIVE_INVALID') && item.input.type === 'split';
  if (!altered || created === null) throw error;
  try {
    await withClient(created, created.database, (client) => dropDatabase(client, item.target));
  } catch (dropError) {
    logger.error(`could not drop "${item.target}", created by this restore: ${dropError instanceof Error ? dropError.message : String(dropError)}; drop it by hand`);
    throw error;
  }
  logger.info(`dropped database ${quoteIdent(item.target)}, created by this restore`);
  throw new PgbakError(error.code, error.message, { hint: `"${item.target}", created by this restore, was dropped: nothing was restored; use another backup`, cause: error });
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new PgbakError('INTERRUPTED', 'restore interrupted');
}
