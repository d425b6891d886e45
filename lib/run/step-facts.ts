// What a run reads beside a step's dump, in the step's exported snapshot: the
// step's resolved patterns, the data facts (row counts, sequences, large objects)
// and the schema model.
import type { QueryClient } from '../db/client.js';
import { createQueryRecord, type QueryRecord } from '../db/query-record.js';
import { completeRowCounts, readDataFacts, type DataFacts } from '../db/row-counts.js';
import { isUnscoped, resolveScope } from '../db/resolve-scope.js';
import { createScopeFilter, type ScopeFilter } from '../db/table-scope.js';
import type { StepContext } from '../engines/step.js';
import type { Plan, PlanStep } from '../plan/types.js';
import type { StepRecord } from './build-manifest.js';
import { readSchemaModelSafely, storeSchemaModel, storesSchemaModel, type ModelRead } from './schema-model.js';

// The step's patterns, resolved once on the server in its snapshot as pg_dump
// resolves them: the same tables for the dump, the row counts and the model.
export async function resolveStepScope(client: QueryClient, step: PlanStep, plan: Plan): Promise<ScopeFilter> {
  if (isUnscoped(step.scope)) return createScopeFilter(null);
  return createScopeFilter(await resolveScope(client, step.scope, plan.server.major));
}

/** A record for the native dump's catalog read when the step stores a model: the model is built from it. */
export function modelRecordIfAsked(step: PlanStep, plan: Plan): QueryRecord | null {
  return plan.schemaModel && storesSchemaModel(step) ? createQueryRecord() : null;
}

export function readModelIfAsked(client: QueryClient, step: PlanStep, plan: Plan, filter: ScopeFilter): Promise<ModelRead> {
  if (!plan.schemaModel) return Promise.resolve({ model: null, warnings: [] });
  return readSchemaModelSafely(client, step, filter);
}

// Stores the model read for the step, if any; why there is none is among the step's warnings.
export async function withModel(facts: DataFacts, read: ModelRead, step: PlanStep, ctx: StepContext): Promise<Pick<StepRecord, 'facts' | 'schemaModel'>> {
  const withWarnings = { ...facts, warnings: [...facts.warnings, ...read.warnings] };
  if (read.model === null) return { facts: withWarnings };
  return { facts: withWarnings, schemaModel: await storeSchemaModel(ctx.zip, step, read.model, ctx.logger) };
}

export async function readFactsSafely(
  client: Parameters<typeof readDataFacts>[0],
  step: PlanStep,
  plan: Plan,
  filter: ScopeFilter,
  options: { deferExact?: boolean } = {},
): Promise<DataFacts> {
  try {
    const facts = await readDataFacts(client, {
      // tableScope is null when the step dumps no table data.
      filter: step.tableScope ? filter : null,
      mode: plan.rowCounts,
      countLargeObjects: step.countLargeObjects,
      ...(options.deferExact ? { deferExact: true } : {}),
      // In the reads' round trip. A SAVEPOINT that fails (a lost connection) leaves the facts
      // unread as a failed read does; the snapshot's ROLLBACK then fails the step, as before.
      before: 'SAVEPOINT pgbak_facts',
    });
    return facts;
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT pgbak_facts').catch(() => undefined);
    return factsNotRead(step, error);
  }
}

/**
 * The exact counts deferred by `readFactsSafely(…, { deferExact: true })`, once the dump
 * is written: from the rows its COPYs returned, count(*) for any table it did not read.
 */
export async function completeFactsSafely(client: QueryClient, step: PlanStep, facts: DataFacts, rowsCopied: ReadonlyMap<string, number>): Promise<DataFacts> {
  if (!facts.uncounted) return facts;
  await client.query('SAVEPOINT pgbak_facts');
  try {
    return await completeRowCounts(client, facts, rowsCopied);
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT pgbak_facts').catch(() => undefined);
    return factsNotRead(step, error);
  }
}

function factsNotRead(step: PlanStep, error: unknown): DataFacts {
  const message = `row counts of ${step.database} could not be read: ${(error as Error).message}`;
  return { rowCounts: null, sequences: {}, largeObjects: null, warnings: [message] };
}

// The native engine refuses what the role cannot read, or leaves it out and says so:
// the row counts' "not counted" for the same tables would say it twice.
export function withoutUnreadableCounts(warnings: readonly string[]): string[] {
  return warnings.filter((warning) => !unreadableByCounts.test(warning));
}

const unreadableByCounts = /^no SELECT privilege on .*: its (rows were not counted|value was not read)$/;
