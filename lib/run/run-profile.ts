import { basename, dirname, join } from 'node:path';
import { withSslPasswordFiles } from '../config/ssl-password-file.js';
import { LOG_ENTRY, MANIFEST_ENTRY, serializeManifest, ZipWriter } from '../archive/index.js';
import type { Connection } from '../config/connection-types.js';
import type { QueryClient } from '../db/client.js';
import { readDataFacts, type DataFacts } from '../db/row-counts.js';
import { isUnscoped, resolveScope } from '../db/resolve-scope.js';
import { createScopeFilter, type ScopeFilter } from '../db/table-scope.js';
import { withExportedSnapshot } from '../db/snapshot.js';
import type { Sessions } from '../db/sessions.js';
import { runDumpStep, type StepContext, type StepRunResult } from '../engines/pgdump/run-step.js';
import { PgbakError, toPgbakError } from '../errors.js';
import { createLogger, createProgress, type PgbakLogger } from '../log/index.js';
import type { NativePlanStep, PgDumpPlanStep, Plan, PlanStep } from '../plan/types.js';
import { lacksPrivilege, leftNoOutput, nativeFrom } from './fallback.js';
import { runNativeDump, runNativeGlobals } from '../engines/native/run-native-step.js';
import { buildManifest, type StepRecord } from './build-manifest.js';
import { guardEmptySteps } from './empty-step-guard.js';
import { acquireRunLock } from './lock.js';
import type { RunOptions } from './options.js';
import { prepareRun } from './prepare.js';
import { endWithFailure, recordFailedRun } from './record-failed-run.js';
import { runGlobalsWithFallback } from './globals-fallback.js';
import { readSchemaModelSafely, storeSchemaModel, type ModelRead } from './schema-model.js';
import { verifyArchive } from '../restore/index.js';
import { applyRetention, removeLeftovers, RUN_RECORD_KEY } from '../retention/index.js';
import { currentOwner } from '../process/owner.js';
import { outputNotWritable } from '../archive/output-error.js';
import { LocalFileSink } from '../storage/index.js';
import { ensureDirectory, isAlreadyThere, isTaken } from '../archive/atomic-file.js';

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
  /**
   * What the profile's retention removed after the run; null without retention.
   * `held`: why it deleted nothing (a step dumped no table where the previous backup had some).
   */
  retention?: { deleted: string[]; failed: number; error?: string; held?: string } | null;
}

/**
 * Runs a profile: one zip in the output folder, finished atomically, or nothing
 * that looks like a backup plus a log that says why.
 */
export function runProfile(options: RunOptions): Promise<RunSummary> {
  return withSslPasswordFiles(() => runProfileHeld(options));
}

async function runProfileHeld(options: RunOptions): Promise<RunSummary> {
  const logger = options.logger ?? createLogger({ level: 'quiet' });
  const signal = options.signal ?? new AbortController().signal;
  const { plan, connection, sessions } = await prepareRun(options, logger, (context, error) => recordFailedRun(context, error, logger));
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
    const { zip, logPath } = await openRunFiles(plan, logger);
    const archive = zip.location;
    let written: Awaited<ReturnType<typeof writeArchive>>;
    try {
      // The first record names the run and its process: what status reads of a failed
      // run, and how a later run tells a killed run's .partial from a live one's.
      const run = { profile: plan.profile.name, databases: plan.databases, archive: basename(archive), owner: await currentOwner() };
      logger.info(`run of profile ${plan.profile.name} into ${archive}`, { [RUN_RECORD_KEY]: run });
      await sweepLeftovers(plan.outputDir, logger);
      written = await writeArchive(plan, connection, sessions, zip, logPath, logger, signal, showProgress);
    } catch (error) {
      // Whatever fails once the log is attached ends it with the failure record
      // (writeArchive records its own; this catches what comes before it).
      throw await endWithFailure(error, zip, logPath, logger);
    }
    const { summary, held } = written;
    if (plan.verify) summary.verify = await verifyWritten(archive, connection, logger, signal);
    summary.retention = held.length > 0 ? holdRetention(plan, held, logger) : await retain(plan, logger);
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

// The run dumped less than the last one (guardEmptySteps): the good backups stay.
function holdRetention(plan: Plan, held: string[], logger: PgbakLogger): RunSummary['retention'] {
  if (!plan.retention) return null;
  logger.warn(`retention not applied: ${held.length === 1 ? 'a step' : `${held.length} steps`} dumped no table where the previous backup had tables`);
  return { deleted: [], failed: 0, held: held.join('; ') };
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
  zip: ZipWriter,
  logPath: string,
  logger: PgbakLogger,
  signal: AbortSignal,
  showProgress: boolean,
): Promise<{ summary: RunSummary; held: string[] }> {
  const startedAt = new Date();
  const archive = zip.location;
  const ctx: StepContext = {
    zip,
    logger,
    progress: createProgress({ stream: process.stderr, enabled: showProgress }),
    signal,
    password: connection.password,
    sslpassword: connection.sslpassword,
    scratchDir: plan.outputDir,
  };
  try {
    const records: StepRecord[] = [];
    for (const step of plan.steps) {
      throwIfAborted(signal);
      records.push(await runStep(step, plan, sessions, ctx));
    }
    // Before the manifest: its steps carry the warning.
    const held = await guardEmptySteps(plan, records, logger);
    const finishedAt = new Date();
    await zip.addBuffer(MANIFEST_ENTRY, serializeManifest(buildManifest(plan, records, startedAt, finishedAt)), { compress: true });
    const finished = await finishWithLog(zip, logger, archive);
    return { summary: summarize(plan, records, archive, logPath, finished.bytes, startedAt, finishedAt), held };
  } catch (error) {
    throw await endWithFailure(error, zip, logPath, logger);
  }
}

// A step's warnings (row counts, schema model, native engine) reach the console
// once, when the step is done: a pg_dump step handed to the native engine reads
// its facts twice, and the first reading's warnings belong to no backup.
async function runStep(step: PlanStep, plan: Plan, sessions: Sessions, ctx: StepContext): Promise<StepRecord> {
  const record = await runStepOnce(step, plan, sessions, ctx);
  for (const warning of new Set(record.facts?.warnings ?? [])) ctx.logger.warn(warning);
  return record;
}

async function runStepOnce(step: PlanStep, plan: Plan, sessions: Sessions, ctx: StepContext): Promise<StepRecord> {
  if (step.engine === 'native') return runNativeStep(step, plan, sessions, ctx);
  if (step.kind === 'globals-only' && step.fallback) {
    return runGlobalsWithFallback(step, sessions, plan.connection.database, plan.server.major, ctx);
  }
  try {
    return await runPgDumpStep(step, plan, sessions, ctx);
  } catch (error) {
    // Engine auto: pg_dump refused for want of a privilege before writing anything
    // (typically LOCK TABLE on a table the role may only SELECT): the native
    // engine needs no more than SELECT, so it takes over, and says so.
    if (!step.fallback || !lacksPrivilege(error) || !leftNoOutput(error)) throw error;
    const reason = `pg_dump failed for lack of privilege: ${(error as Error).message}`;
    return runNativeStep(nativeFrom(step, reason), plan, sessions, ctx);
  }
}

async function runPgDumpStep(step: PgDumpPlanStep, plan: Plan, sessions: Sessions, ctx: StepContext): Promise<StepRecord> {
  if (!step.snapshot || step.database === null) {
    return { step, result: await runDumpStep(step, null, ctx), snapshot: null, facts: null };
  }
  const database = step.database;
  return withExportedSnapshot(sessions, database, async ({ id, client }) => {
    ctx.logger.debug(`${step.step} (${database}): exported snapshot ${id}`);
    // The patterns are resolved before pg_dump starts: one that pg_dump would
    // refuse (or that matches nothing) stops the step with pg_dump's own message.
    const filter = await resolveStepScope(client, step, plan);
    // Facts and then the schema model are read in the exported snapshot while
    // pg_dump runs in it too; savepoints keep a failed read from ending the
    // transaction pg_dump imports from. One after the other: they share the client.
    const facts = readFactsSafely(client, step, plan, filter);
    const model = facts.catch(() => undefined).then(() => readModelIfAsked(client, step, plan, filter));
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
async function runNativeStep(step: NativePlanStep, plan: Plan, sessions: Sessions, ctx: StepContext): Promise<StepRecord> {
  if (step.reason) ctx.logger.warn(`${step.step}: native engine instead of pg_dump: ${step.reason}`);
  if (step.database === null) {
    const { result, omitted } = await runNativeGlobals(step, sessions, plan.connection.database, plan.server.major, ctx);
    return { step, result, snapshot: null, facts: null, omitted };
  }
  const database = step.database;
  return withExportedSnapshot(sessions, database, async ({ id, client }) => {
    const filter = await resolveStepScope(client, step, plan);
    const facts = await readFactsSafely(client, step, plan, filter);
    const model = await readModelIfAsked(client, step, plan, filter);
    const { result, omitted, warnings, sequenceValues } = await runNativeDump(step, { client, snapshotId: id, connection: sessions.connection, serverMajor: plan.server.major, filter }, ctx);
    // The native engine refuses what the role cannot read, or leaves it out and says so:
    // the row counts' "not counted" for the same tables would say it twice.
    const counted = facts.warnings.filter((warning) => !unreadableByCounts.test(warning));
    const record = { step, result, snapshot: id, ...(await withModel({ ...facts, warnings: [...counted, ...warnings] }, model, step, ctx)), omitted };
    return { ...record, dumpedSequences: sequenceValues };
  });
}

const unreadableByCounts = /^no SELECT privilege on .*: its (rows were not counted|value was not read)$/;

// The step's patterns, resolved once on the server in its snapshot as pg_dump
// resolves them: the same tables for the dump, the row counts and the model.
async function resolveStepScope(client: QueryClient, step: PlanStep, plan: Plan): Promise<ScopeFilter> {
  if (isUnscoped(step.scope)) return createScopeFilter(null);
  return createScopeFilter(await resolveScope(client, step.scope, plan.server.major));
}

function readModelIfAsked(client: QueryClient, step: PlanStep, plan: Plan, filter: ScopeFilter): Promise<ModelRead> {
  if (!plan.schemaModel) return Promise.resolve({ model: null, warnings: [] });
  return readSchemaModelSafely(client, step, filter);
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
  filter: ScopeFilter,
): Promise<DataFacts> {
  await client.query('SAVEPOINT pgbak_facts');
  try {
    const facts = await readDataFacts(client, {
      // tableScope is null when the step dumps no table data.
      filter: step.tableScope ? filter : null,
      mode: plan.rowCounts,
      countLargeObjects: step.countLargeObjects,
    });
    return facts;
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT pgbak_facts').catch(() => undefined);
    const message = `row counts of ${step.database} could not be read: ${(error as Error).message}`;
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

/**
 * Claims the run's names: `<name>.zip.partial` and the log beside it, both created
 * exclusively. A name is free when nothing is at the zip, the `.partial` or the log —
 * a symlink, even a dangling one, is something: in a folder others can write to, a
 * link planted at the next names must never be written through. Taken names (two runs
 * within one second, a leftover, a planted link) move on to `-2`, `-3`, …
 */
async function openRunFiles(plan: Plan, logger: PgbakLogger): Promise<{ zip: ZipWriter; logPath: string }> {
  const base = plan.archiveName.replace(/\.zip$/, '');
  for (let n = 1; n <= MAX_NAME_ATTEMPTS; n++) {
    const archive = join(plan.outputDir, n === 1 ? plan.archiveName : `${base}-${n}.zip`);
    const logPath = archive.replace(/\.zip$/, '.log');
    if ((await isTakenSafely(archive)) || (await isTakenSafely(logPath))) continue;
    let zip: ZipWriter;
    try {
      zip = await ZipWriter.create(await LocalFileSink.open(archive), { compressionLevel: plan.zipCompressionLevel });
    } catch (error) {
      if (isAlreadyThere(error)) continue;
      throw error;
    }
    try {
      await logger.attachRunLog(logPath);
      return { zip, logPath };
    } catch (error) {
      await zip.abort();
      if (isAlreadyThere(error)) continue;
      throw error;
    }
  }
  throw new PgbakError('OUTPUT_NOT_WRITABLE', `cannot find a free name for ${plan.archiveName} in ${plan.outputDir} (${MAX_NAME_ATTEMPTS} taken)`, {
    hint: 'remove the leftover .partial/.log files and links there, and keep the output folder writable by this user only',
  });
}

const MAX_NAME_ATTEMPTS = 100;

async function isTakenSafely(path: string): Promise<boolean> {
  try {
    return await isTaken(path);
  } catch (error) {
    throw outputNotWritable(dirname(path), error);
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
    await ensureDirectory(dir);
  } catch (error) {
    throw outputNotWritable(dir, error);
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new PgbakError('INTERRUPTED', 'interrupted before the backup was complete; nothing was written');
}
