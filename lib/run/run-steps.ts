// The plan's steps, one after the other, each handed to its engine in a snapshot
// of its own, with the facts and the schema model read beside the dump.
import { replayingClient } from '../db/query-record.js';
import { withExportedSnapshot } from '../db/snapshot.js';
import { displayName } from '../sql/quote.js';
import { nativeEngine } from '../engines/native/index.js';
import { pgDumpEngine } from '../engines/pgdump/index.js';
import type { StepContext, StepRunResult, StepSession, StepSnapshot } from '../engines/step.js';
import type { NativePlanStep, PgDumpPlanStep, PlanStep } from '../plan/types.js';
import type { StepRecord } from './build-manifest.js';
import { nativeInsteadOf } from './fallback.js';
import { letYoungGenerationGrow } from './young-generation.js';
import { runGlobalsWithFallback } from './globals-fallback.js';
import { throwIfAborted, type RunContext } from './run-context.js';
import { completeFactsSafely, modelRecordIfAsked, readFactsSafely, readModelIfAsked, resolveStepScope, withModel, withoutUnreadableCounts } from './step-facts.js';

/** Runs every step of the plan into the zip; a record per step, for the manifest. */
export async function runSteps(run: RunContext, ctx: StepContext): Promise<StepRecord[]> {
  const records: StepRecord[] = [];
  for (const step of run.plan.steps) {
    throwIfAborted(run.signal);
    records.push(await runStep(step, run, ctx));
  }
  return records;
}

// A step's warnings (row counts, schema model, native engine) reach the console
// once, when the step is done: a pg_dump step handed to the native engine reads
// its facts twice, and the first reading's warnings belong to no backup.
async function runStep(step: PlanStep, run: RunContext, ctx: StepContext): Promise<StepRecord> {
  const record = await runStepOnce(step, run, ctx);
  for (const warning of new Set(record.facts?.warnings ?? [])) ctx.logger.warn(warning);
  return record;
}

async function runStepOnce(step: PlanStep, run: RunContext, ctx: StepContext): Promise<StepRecord> {
  if (step.engine === 'native') return runNativeStep(step, run, ctx);
  if (step.kind === 'globals-only' && step.fallback) {
    return runGlobalsWithFallback(step, stepSession(run, null), ctx);
  }
  try {
    return await runPgDumpStep(step, run, ctx);
  } catch (error) {
    const native = nativeInsteadOf(step, error);
    if (!native) throw error;
    return runNativeStep(native, run, ctx);
  }
}

async function runPgDumpStep(step: PgDumpPlanStep, run: RunContext, ctx: StepContext): Promise<StepRecord> {
  if (!step.snapshot || step.database === null) {
    const { result } = await pgDumpEngine.runStep(step, stepSession(run, null), ctx);
    return { step, result, snapshot: null, facts: null };
  }
  const { plan } = run;
  const database = step.database;
  return withExportedSnapshot(run.sessions, database, async ({ id, client }) => {
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
      ({ result } = await pgDumpEngine.runStep(step, stepSession(run, { id, client, filter }), ctx));
    } finally {
      await model;
    }
    // The model goes into the zip once the dump's entry is complete: one entry at a time.
    return { step, result, snapshot: id, ...(await withModel(await facts, await model, step, ctx)) };
  });
}

// The native engine reads the catalog, the data and the facts in one snapshot of
// its own; the facts first, as they share the connection with the dump — but not
// the exact row counts: each table's COPY returns its count in the same snapshot,
// so a second scan of every table (count(*), before the dump and serially) is
// saved; only a table the dump did not read is counted afterwards. The schema
// model is built afterwards from the dump's own catalog read (kept in a record,
// replayed): the catalog is read once per step.
async function runNativeStep(step: NativePlanStep, run: RunContext, ctx: StepContext): Promise<StepRecord> {
  letYoungGenerationGrow();
  if (step.reason) ctx.logger.warn(`${step.step}: native engine instead of pg_dump: ${step.reason}`);
  if (step.database === null) {
    const { result, omitted } = await nativeEngine.runStep(step, stepSession(run, null), ctx);
    return { step, result, snapshot: null, facts: null, omitted };
  }
  const { plan } = run;
  const database = step.database;
  return withExportedSnapshot(run.sessions, database, async ({ id, client }) => {
    const filter = await resolveStepScope(client, step, plan);
    const before = await readFactsSafely(client, step, plan, filter, { deferExact: true });
    const catalogRecord = modelRecordIfAsked(step, plan);
    const { result, omitted, warnings = [], sequenceValues, databaseDefinition, rowsCopied = new Map() } = await nativeEngine.runStep(step, stepSession(run, { id, client, filter, ...(catalogRecord ? { catalogRecord } : {}) }), ctx);
    const facts = await completeFactsSafely(client, step, before, rowsCopied);
    const deferred = before.uncounted ?? [];
    if (deferred.length > 0) {
      const fromCopy = deferred.filter((table) => rowsCopied.has(displayName(table.schema, table.name))).length;
      ctx.logger.debug(`${step.step} (${database}): exact row counts of ${fromCopy} table${fromCopy === 1 ? '' : 's'} from the dump's COPY, ${deferred.length - fromCopy} counted with count(*)`);
    }
    const model = await readModelIfAsked(catalogRecord ? replayingClient(client, catalogRecord) : client, step, plan, filter);
    if (catalogRecord) ctx.logger.debug(`${step.step} (${database}): schema model built from the dump's catalog read (${catalogRecord.hits} queries answered from it, ${catalogRecord.misses.length} sent to the server)`);
    const counted = withoutUnreadableCounts(facts.warnings);
    const record = { step, result, snapshot: id, ...(await withModel({ ...facts, warnings: [...counted, ...warnings] }, model, step, ctx)), omitted };
    return { ...record, dumpedSequences: sequenceValues, ...(databaseDefinition ? { databaseDefinition } : {}) };
  });
}

/** Where an engine reads the step from: the run's sessions and the step's snapshot, if any. */
function stepSession(run: RunContext, snapshot: StepSnapshot | null): StepSession {
  return { sessions: run.sessions, serverMajor: run.plan.server.major, clusterDatabase: run.plan.connection.database, snapshot };
}
