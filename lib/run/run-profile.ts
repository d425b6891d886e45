import { access, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LOG_ENTRY, MANIFEST_ENTRY, serializeManifest, ZipWriter } from '../archive/index.js';
import type { Connection } from '../config/connection-types.js';
import type { QueryClient } from '../db/client.js';
import { readDataFacts, type DataFacts } from '../db/row-counts.js';
import { withExportedSnapshot } from '../db/snapshot.js';
import type { Sessions } from '../db/sessions.js';
import { runDumpStep, type StepContext, type StepRunResult } from '../engines/pgdump/run-step.js';
import { PgbakError, toPgbakError } from '../errors.js';
import { createLogger, createProgress, type PgbakLogger } from '../log/index.js';
import type { NativePlanStep, PgDumpPlanStep, Plan, PlanStep } from '../plan/types.js';
import { lacksPrivilege, leftNoOutput, nativeFrom } from './fallback.js';
import { runNativeDump, runNativeGlobals } from '../engines/native/run-native-step.js';
import { buildManifest, type StepRecord } from './build-manifest.js';
import { acquireRunLock } from './lock.js';
import type { RunOptions } from './options.js';
import { prepareRun } from './prepare.js';
import { runGlobalsWithFallback } from './globals-fallback.js';
import { readSchemaModelSafely, storeSchemaModel, type ModelRead } from './schema-model.js';
import { verifyArchive } from '../restore/index.js';
import { applyRetention, FAILURE_PREFIX, removeLeftovers, RUN_RECORD_KEY } from '../retention/index.js';
import { currentOwner } from '../process/owner.js';
import { outputNotWritable } from '../archive/output-error.js';

/** What a successful run reports (`--json` prints it). */
export interface RunSummary {
  ok: true;
  profile: string;
  archive: string;
  log: string;
  bytes: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  steps: Array<{ step: string; kind: string; database: string | null; entries: Array<{ name: string; bytes: number; sha256: string }>; tables: number | null; warnings: string[] }>;
  /** Set when the run verified its backup (`--verify` or the profile's `verify: true`). */
  verify?: { ok: true; record: string | null };
  /** What the profile's retention removed after the run; null without retention. */
  retention?: { deleted: string[]; failed: number; error?: string } | null;
}

/**
 * Runs a profile: one zip in the output folder, finished atomically, or nothing
 * that looks like a backup plus a log that says why.
 */
export async function runProfile(options: RunOptions): Promise<RunSummary> {
  const logger = options.logger ?? createLogger({ level: 'quiet' });
  const signal = options.signal ?? new AbortController().signal;
  const { plan, connection, sessions } = await prepareRun(options, logger);
  try {
    throwIfAborted(signal);
    await ensureDir(plan.outputDir);
    return await runLocked(plan, connection, sessions, logger, signal, options.progress ?? false);
  } finally {
    await sessions.close();
  }
}

async function runLocked(
  plan: Plan,
  connection: Connection,
  sessions: Sessions,
  logger: PgbakLogger,
  signal: AbortSignal,
  showProgress: boolean,
): Promise<RunSummary> {
  const lock = await acquireRunLock(plan.outputDir, plan.profile.name, plan.databases);
  try {
    // Two runs within one second would share a name; a finished backup is never replaced.
    const archive = await freeArchivePath(plan.outputDir, plan.archiveName);
    const logPath = archive.replace(/\.zip$/, '.log');
    await logger.attachRunLog(logPath);
    // The first record names the run and its process: what status reads of a failed
    // run, and how a later run tells a killed run's .partial from a live one's.
    const run = { profile: plan.profile.name, databases: plan.databases, archive: basename(archive), owner: await currentOwner() };
    logger.info(`run of profile ${plan.profile.name} into ${archive}`, { [RUN_RECORD_KEY]: run });
    await sweepLeftovers(plan.outputDir, logger);
    const summary = await writeArchive(plan, connection, sessions, archive, logPath, logger, signal, showProgress);
    if (plan.verify) summary.verify = await verifyWritten(archive, connection, logger, signal);
    summary.retention = await retain(plan, logger);
    return summary;
  } finally {
    await lock.release();
  }
}

// run --verify: the backup just written is restored into a scratch database and
// checked; a mismatch fails the run with exit 3 (and retention does not run).
async function verifyWritten(archive: string, connection: Connection, logger: PgbakLogger, signal: AbortSignal) {
  logger.info(`verifying ${archive}`);
  const result = await verifyArchive({ archive, connection, logger, signal });
  if (!result.ok) {
    const first = result.mismatches[0];
    throw new PgbakError('VERIFY_MISMATCH', `the backup was written but does not verify: ${result.mismatches.length} mismatch(es)${first ? `, first: ${first.check} of ${first.object}: expected ${first.expected}, found ${first.found}` : ''}`, {
      hint: `details in ${result.recordPath ?? archive}`,
    });
  }
  logger.info(`verified: row counts, sequences and large objects match the manifest`);
  return { ok: true as const, record: result.recordPath };
}

// Retention never fails a run whose backup is complete: a problem is a warning
// (and in --json), so that a retry does not pile up more backups.
async function retain(plan: Plan, logger: PgbakLogger): Promise<RunSummary['retention']> {
  if (!plan.retention) return null;
  try {
    const result = await applyRetention({ outputDir: plan.outputDir, profile: plan.profile.name, policy: plan.retention, logger });
    if (!result) return null;
    const deleted = result.items.filter((item) => item.action === 'deleted').map((item) => item.file);
    if (result.failed > 0) logger.warn(`retention: ${result.failed} backup(s) could not be deleted; see the log`);
    return { deleted, failed: result.failed };
  } catch (error) {
    logger.warn(`retention was not applied: ${toPgbakError(error).message}`);
    return { deleted: [], failed: 0, error: toPgbakError(error).message };
  }
}

async function writeArchive(
  plan: Plan,
  connection: Connection,
  sessions: Sessions,
  archive: string,
  logPath: string,
  logger: PgbakLogger,
  signal: AbortSignal,
  showProgress: boolean,
): Promise<RunSummary> {
  const startedAt = new Date();
  const zip = await ZipWriter.open(archive, { compressionLevel: plan.zipCompressionLevel });
  const ctx: StepContext = {
    zip,
    logger,
    progress: createProgress({ stream: process.stderr, enabled: showProgress }),
    signal,
    password: connection.password,
    scratchDir: plan.outputDir,
  };
  try {
    const records: StepRecord[] = [];
    for (const step of plan.steps) {
      throwIfAborted(signal);
      records.push(await runStep(step, plan, connection.user, sessions, ctx));
    }
    const finishedAt = new Date();
    await zip.addBuffer(MANIFEST_ENTRY, serializeManifest(buildManifest(plan, records, startedAt, finishedAt)), { compress: true });
    const finished = await finishWithLog(zip, logger, archive);
    return summarize(plan, records, archive, logPath, finished.bytes, startedAt, finishedAt);
  } catch (error) {
    await zip.abort();
    const failure = toPgbakError(error);
    logger.record('error', `${FAILURE_PREFIX}${failure.message}`);
    // The console shows the one-line report; point to the log that has the rest.
    throw new PgbakError(failure.code, failure.message, {
      hint: `${failure.hint ? `${failure.hint}; ` : ''}details in ${logPath}`,
      cause: failure.cause ?? error,
      exitCode: failure.exitCode,
    });
  }
}

async function runStep(step: PlanStep, plan: Plan, user: string, sessions: Sessions, ctx: StepContext): Promise<StepRecord> {
  if (step.engine === 'native') return runNativeStep(step, plan, user, sessions, ctx);
  if (step.kind === 'globals-only' && step.fallback) {
    return runGlobalsWithFallback(step, sessions, plan.connection.database, plan.server.major, ctx);
  }
  try {
    return await runPgDumpStep(step, plan, user, sessions, ctx);
  } catch (error) {
    // Engine auto: pg_dump refused for want of a privilege before writing anything
    // (typically LOCK TABLE on a table the role may only SELECT): the native
    // engine needs no more than SELECT, so it takes over, and says so.
    if (!step.fallback || !lacksPrivilege(error) || !leftNoOutput(error)) throw error;
    const reason = `pg_dump failed for lack of privilege: ${(error as Error).message}`;
    return runNativeStep(nativeFrom(step, reason), plan, user, sessions, ctx);
  }
}

async function runPgDumpStep(step: PgDumpPlanStep, plan: Plan, user: string, sessions: Sessions, ctx: StepContext): Promise<StepRecord> {
  if (!step.snapshot || step.database === null) {
    return { step, result: await runDumpStep(step, null, ctx), snapshot: null, facts: null };
  }
  const database = step.database;
  return withExportedSnapshot(sessions, database, async ({ id, client }) => {
    ctx.logger.debug(`${step.step} (${database}): exported snapshot ${id}`);
    // Facts and then the schema model are read in the exported snapshot while
    // pg_dump runs in it too; savepoints keep a failed read from ending the
    // transaction pg_dump imports from. One after the other: they share the client.
    const facts = readFactsSafely(client, step, plan, user, ctx.logger);
    const model = facts.catch(() => undefined).then(() => readModelIfAsked(client, step, plan, user, ctx));
    let result: StepRunResult;
    try {
      result = await runDumpStep(step, id, ctx);
    } finally {
      await model;
    }
    // The model goes into the zip once the dump's entry is complete: one entry at a time.
    return { step, result, snapshot: id, ...(await withModel(await facts, await model, step, ctx)) };
  });
}

// The native engine reads the catalog, the data and the facts in one snapshot of
// its own; the facts first, as they share the connection with the dump.
async function runNativeStep(step: NativePlanStep, plan: Plan, user: string, sessions: Sessions, ctx: StepContext): Promise<StepRecord> {
  if (step.reason) ctx.logger.warn(`${step.step}: native engine instead of pg_dump: ${step.reason}`);
  if (step.database === null) {
    const { result, omitted } = await runNativeGlobals(step, sessions, plan.connection.database, plan.server.major, ctx);
    return { step, result, snapshot: null, facts: null, omitted };
  }
  const database = step.database;
  return withExportedSnapshot(sessions, database, async ({ id, client }) => {
    const facts = await readFactsSafely(client, step, plan, user, ctx.logger);
    const model = await readModelIfAsked(client, step, plan, user, ctx);
    const { result, omitted, warnings } = await runNativeDump(step, { client, snapshotId: id, connection: sessions.connection, serverMajor: plan.server.major, user }, ctx);
    return { step, result, snapshot: id, ...(await withModel({ ...facts, warnings: [...facts.warnings, ...warnings] }, model, step, ctx)), omitted };
  });
}

function readModelIfAsked(client: QueryClient, step: PlanStep, plan: Plan, user: string, ctx: StepContext): Promise<ModelRead> {
  if (!plan.schemaModel) return Promise.resolve({ model: null, warnings: [] });
  return readSchemaModelSafely(client, step, user, ctx.logger);
}

// Stores the model read for the step, if any; why there is none is among the step's warnings.
async function withModel(facts: DataFacts, read: ModelRead, step: PlanStep, ctx: StepContext): Promise<Pick<StepRecord, 'facts' | 'schemaModel'>> {
  const withWarnings = { ...facts, warnings: [...facts.warnings, ...read.warnings] };
  if (read.model === null) return { facts: withWarnings };
  return { facts: withWarnings, schemaModel: await storeSchemaModel(ctx.zip, step, read.model, ctx.logger) };
}

async function readFactsSafely(
  client: Parameters<typeof readDataFacts>[0],
  step: PlanStep,
  plan: Plan,
  user: string,
  logger: PgbakLogger,
): Promise<DataFacts> {
  await client.query('SAVEPOINT pgbak_facts');
  try {
    const facts = await readDataFacts(client, {
      scope: step.tableScope,
      mode: plan.rowCounts,
      user,
      countLargeObjects: step.countLargeObjects,
    });
    for (const warning of facts.warnings) logger.warn(warning);
    return facts;
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT pgbak_facts').catch(() => undefined);
    const message = `row counts of ${step.database} could not be read: ${(error as Error).message}`;
    logger.warn(message);
    return { rowCounts: null, sequences: {}, largeObjects: null, warnings: [message] };
  }
}

async function finishWithLog(zip: ZipWriter, logger: PgbakLogger, archive: string) {
  logger.info(`finishing ${archive}`);
  // The log inside the zip ends here; the file beside the zip goes on to the end.
  await zip.addBuffer(LOG_ENTRY, Buffer.from(logger.runLogRecords(), 'utf8'), { compress: true });
  const finished = await zip.finish();
  logger.info(`backup complete: ${archive} (${finished.bytes} bytes)`);
  return finished;
}

function summarize(plan: Plan, records: StepRecord[], archive: string, log: string, bytes: number, startedAt: Date, finishedAt: Date): RunSummary {
  return {
    ok: true,
    profile: plan.profile.name,
    archive,
    log,
    bytes,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    steps: records.map(({ step, result, facts }) => ({
      step: step.step,
      kind: step.kind,
      database: step.database,
      entries: result.entries.map(({ name, bytes: size, sha256 }) => ({ name, bytes: size, sha256 })),
      tables: facts?.rowCounts ? Object.keys(facts.rowCounts.tables).length : null,
      warnings: facts?.warnings ?? [],
    })),
  };
}

async function freeArchivePath(dir: string, name: string): Promise<string> {
  const base = name.replace(/\.zip$/, '');
  for (let n = 1; ; n++) {
    const candidate = join(dir, n === 1 ? name : `${base}-${n}.zip`);
    if (!(await exists(candidate)) && !(await exists(candidate.replace(/\.zip$/, '.log')))) return candidate;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

// Leftovers of killed runs (a .partial, temp folders, locks) whose process is gone
// go before this run adds its own; never a reason to fail the run.
async function sweepLeftovers(outputDir: string, logger: PgbakLogger): Promise<void> {
  try {
    for (const done of await removeLeftovers(outputDir)) {
      if (done.action === 'failed') logger.warn(`cannot remove ${done.file}, left by a run that is gone: ${done.error}`);
      else logger.info(`removed ${done.file}: ${done.why}`);
    }
  } catch (error) {
    logger.warn(`leftovers of earlier runs were not looked for: ${toPgbakError(error).message}`);
  }
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw outputNotWritable(dir, error);
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new PgbakError('INTERRUPTED', 'interrupted before the backup was complete; nothing was written');
}
