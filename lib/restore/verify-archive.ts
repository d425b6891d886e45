import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ManifestStep } from '../archive/index.js';
import type { Connection } from '../config/connection-types.js';
import { loadEnv, type Env } from '../config/env-file.js';
import type { ConnectionFlags } from '../config/resolve-connection.js';
import { withClient } from '../db/client.js';
import { readDataFacts } from '../db/row-counts.js';
import { readServerInfo } from '../db/server-info.js';
import { isPgbakError, PgbakError } from '../errors.js';
import { createLogger, type PgbakLogger } from '../log/index.js';
import type { ToolInfo } from '../tools/index.js';
import { pgbakVersion } from '../version.js';
import type { ScriptScan } from '../sql/script/index.js';
import { checkScripts } from './check-scripts.js';
import { checkUnrestrictedScripts } from './restrict-psql.js';
import { chooseTools } from './choose-tools.js';
import { NATIVE_LOADER } from './native-loader-glue.js';
import { compareFacts, type Mismatch, type StepChecks } from './compare-facts.js';
import { openArchive } from './open-archive.js';
import { restoreItem } from './restore-item.js';
import { scratchDatabaseName } from './scratch-name.js';
import { inputOf } from './select-items.js';
import { createDatabase, dropDatabase } from './target-db.js';
import type { RestoreItem, RestoreLoader } from './types.js';
import { verifiedRecordPath, writeVerifiedRecord, type VerifiedRecord } from './verified-record.js';
import { resolveVerifyConnection } from './verify-connection.js';

/** What `verifyArchive` accepts. */
export interface VerifyOptions {
  /** Path of the backup zip. */
  archive: string;
  /**
   * An already-resolved connection (`run --verify` passes the run's): used as is,
   * its database serving as the maintenance database. Without it, the connection
   * is resolved from the manifest, the environment and `server` / `connectionFlags`.
   */
  connection?: Connection;
  /** `host[:port]` of another server to verify on. */
  server?: string | undefined;
  connectionFlags?: ConnectionFlags;
  /** Maintenance database for CREATE / DROP DATABASE (default `postgres`). */
  maintenanceDb?: string | undefined;
  /** Parallel pg_restore jobs for custom and directory entries. */
  jobs?: number | undefined;
  /**
   * Who runs plain SQL entries, as for `restore`: `auto` (default) uses psql when a
   * usable one is installed and pgbak's native loader otherwise; `native` always uses the loader.
   */
  loader?: RestoreLoader | undefined;
  /** Write `<zip>.verified.json` (default true). */
  record?: boolean;
  cwd?: string;
  env?: Env;
  envFile?: string | undefined;
  logger?: PgbakLogger;
  /** Aborting stops the restore; the scratch databases are dropped all the same. */
  signal?: AbortSignal;
}

/** One scratch database: the steps restored into it and what was compared. */
export interface VerifiedDatabase {
  database: string;
  steps: string[];
  scratch: string;
  checks: StepChecks[];
}

/** The verdict (`--json` prints it); also what `<zip>.verified.json` records. */
export interface VerifyResult extends VerifiedRecord {
  databases: VerifiedDatabase[];
  durationMs: number;
  /** Where the record was written, or null when `record: false`. */
  recordPath: string | null;
}

/**
 * Restores every database entry of the archive into uniquely named scratch
 * databases, compares row counts, sequences and large objects with the manifest,
 * and drops the scratch databases whatever happens. Resolves with `ok: false`
 * and the mismatches when the data differs; throws when verification could not
 * run (archive unreadable, server unreachable, a restore failed).
 */
export async function verifyArchive(options: VerifyOptions): Promise<VerifyResult> {
  const started = Date.now();
  const logger = options.logger ?? createLogger({ level: 'quiet' });
  const signal = options.signal ?? new AbortController().signal;
  const cwd = options.cwd ?? process.cwd();
  const env = await loadEnv({ envFile: options.envFile, cwd, env: options.env ?? process.env });
  const archive = await openArchive(resolve(cwd, options.archive), { check: true, logger });
  try {
    const { manifest, reader } = archive;
    const connection =
      options.connection ??
      (await resolveVerifyConnection(manifest, { env, server: options.server, flags: options.connectionFlags, maintenanceDb: options.maintenanceDb ?? 'postgres' }));
    if (connection.password) logger.addSecret(connection.password.reveal());
    const groups = groupSteps(manifest.steps);
    if (groups.length === 0) throw new PgbakError('USAGE', `${archive.path} has no database entry to verify`, { hint: 'a globals-only backup cannot be verified by restoring it' });
    const server = await withClient(connection, connection.database, readServerInfo);
    const plans = groups.map((steps) => ({ steps, scratch: scratchDatabaseName(manifest.profile.name) }));
    const items = plans.flatMap(({ steps, scratch }) => steps.map((step) => toItem(step, scratch)));
    const tools = await chooseTools(items, env, server.version, logger, { loader: options.loader });
    // No scratch database is created for a script that holds a meta-command pg_dump does not write.
    const scripts = await checkScripts(items, reader);
    checkUnrestrictedScripts(items, scripts, tools, { loader: options.loader });
    logger.info(`verifying ${archive.path} on ${connection.host}:${connection.port} (PostgreSQL ${server.version.text})`);

    const databases: VerifiedDatabase[] = [];
    const mismatches: Mismatch[] = [];
    let failure: PgbakError | undefined;
    for (const plan of plans) {
      if (signal.aborted) throw new PgbakError('INTERRUPTED', 'verify interrupted; the scratch databases were dropped');
      try {
        const result = await verifyGroup(plan, items, { tools, scripts }, reader, connection, env, { jobs: options.jobs, loader: options.loader }, logger, signal);
        databases.push(result.database);
        mismatches.push(...result.mismatches);
      } catch (error) {
        // A restore that fails is a verdict on the backup; anything else (a lost server, an interrupt) is not.
        if (isPgbakError(error) && error.code === 'STEP_FAILED') {
          failure = error;
          break;
        }
        throw error;
      }
    }
    const { size } = await stat(archive.path);
    const result: VerifyResult = {
      archive: archive.path,
      archiveBytes: size,
      verifiedAt: new Date().toISOString(),
      ok: mismatches.length === 0 && failure === undefined,
      server: { host: connection.host, port: connection.port, user: connection.user, version: server.version.text },
      mismatches,
      ...(failure ? { error: failure.message } : {}),
      pgbak: { version: pgbakVersion },
      databases,
      durationMs: Date.now() - started,
      recordPath: null,
    };
    if (options.record !== false) {
      const { databases: _d, durationMs: _t, recordPath: _r, ...record } = result;
      result.recordPath = await writeVerifiedRecord(record);
    }
    if (failure) {
      throw new PgbakError(failure.code, failure.message, {
        hint: `${failure.hint ? `${failure.hint}; ` : ''}recorded in ${verifiedRecordPath(archive.path)}`,
        cause: failure,
      });
    }
    return result;
  } finally {
    archive.reader.close();
  }
}

async function verifyGroup(
  plan: { steps: ManifestStep[]; scratch: string },
  items: RestoreItem[],
  { tools, scripts }: { tools: Awaited<ReturnType<typeof chooseTools>>; scripts: Map<RestoreItem, ScriptScan> },
  reader: Parameters<typeof restoreItem>[1],
  connection: Connection,
  env: Env,
  { jobs, loader }: { jobs: number | undefined; loader: RestoreLoader | undefined },
  logger: PgbakLogger,
  signal: AbortSignal,
): Promise<{ database: VerifiedDatabase; mismatches: Mismatch[] }> {
  const { steps, scratch } = plan;
  const database = steps[0]!.database!;
  let created = false;
  try {
    await withClient(connection, connection.database, async (client) => {
      await createDatabase(client, scratch);
      created = true;
    });
    const mine = items.filter((i) => i.target === scratch);
    logger.info(`${database}: restoring ${mine.map((i) => `${i.step} with ${describeTool(tools.get(i)!)}`).join(' + ')} into scratch database ${scratch}`);
    for (const item of mine) {
      // Owners and grants may name roles the verifying server lacks; they are not what is compared.
      const flags = item.format === 'plain' ? { loader } : { noOwner: true, noPrivileges: true, ...(jobs && item.format !== 'tar' ? { jobs } : {}) };
      await restoreItem(item, reader, tools.get(item)!, connection, flags, env, { logger, signal }, scripts.get(item));
    }
    if (signal.aborted) throw new PgbakError('INTERRUPTED', 'verify interrupted; the scratch databases were dropped');
    const countLargeObjects = steps.some((s) => s.largeObjects !== null);
    const facts = await withClient(connection, scratch, (client) =>
      readDataFacts(client, { scope: everything, mode: 'exact', user: connection.user, countLargeObjects }),
    );
    const compared = steps.map((step) => compareFacts(step, facts));
    const mismatches = compared.flatMap((c) => c.mismatches);
    for (const m of mismatches) logger.warn(`${m.database}: ${m.check} of ${m.object}: expected ${m.expected}, found ${m.found}`);
    return { database: { database, steps: steps.map((s) => s.name), scratch, checks: compared.map((c) => c.checks) }, mismatches };
  } finally {
    if (created) {
      // A fresh connection: the one that created it may be gone, and FORCE ends a killed tool's session.
      await withClient(connection, connection.database, (client) => dropDatabase(client, scratch)).catch((error: unknown) => {
        logger.error(`could not drop the scratch database ${scratch}: ${error instanceof Error ? error.message : String(error)}; drop it by hand`);
      });
      logger.verbose(`dropped scratch database ${scratch}`);
    }
  }
}

const everything = { schemas: [], excludeSchemas: [], tables: [], excludeTables: [], excludeTableData: [] };

/**
 * One scratch database per database step, except that a data-only step goes into
 * the scratch database of the schema-only step of the same database before it
 * (profiles that dump the schema and the data separately). Globals are skipped:
 * replaying roles would change the verifying server itself.
 */
export function groupSteps(steps: readonly ManifestStep[]): ManifestStep[][] {
  const groups: ManifestStep[][] = [];
  for (const step of steps) {
    if (step.database === null || step.entries.length === 0) continue;
    const previous = [...groups].reverse().find((g) => g[0]!.database === step.database);
    if (step.kind === 'data-only' && previous && previous[previous.length - 1]!.kind === 'schema-only') previous.push(step);
    else groups.push([step]);
  }
  return groups;
}

function toItem(step: ManifestStep, scratch: string): RestoreItem {
  return { step: step.name, database: step.database, format: step.format, input: inputOf(step), target: scratch, dumpVersion: step.tool.version };
}

function describeTool(tool: ToolInfo): string {
  return tool === NATIVE_LOADER ? "pgbak's native loader" : `${tool.name} ${tool.version.text}`;
}
