// The schema model a backup stores for `pgbak compare`: read by the leader in
// the step's exported snapshot, written beside the dump as its own entry.
import type { ManifestSchemaModel } from '../archive/index.js';
import type { QueryClient } from '../db/client.js';
import type { ArchiveEntries } from '../engines/step.js';
import type { ScopeFilter } from '../db/table-scope.js';
import { inspectSchema } from '../compare/inspect.js';
import type { SchemaModel } from '../compare/model.js';
import type { PgbakLogger } from '../log/index.js';
import { safeName } from '../plan/names.js';
import type { PlanStep } from '../plan/types.js';

/** A model read for a step, or why there is none (one warning line). */
export interface ModelRead {
  model: SchemaModel | null;
  warnings: string[];
}

/** Steps that dump a database's schema get a model; globals and large objects do not. */
export function storesSchemaModel(step: PlanStep): boolean {
  return step.database !== null && step.kind !== 'globals-only' && step.kind !== 'large-objects';
}

/**
 * Reads the model of the database `client` is connected to, inside its open
 * transaction (the step's snapshot). Never throws: a model that cannot be read
 * costs the backup nothing but a warning. The savepoint undoes the session
 * settings inspectSchema makes (SET LOCAL), and a failed query, so the
 * transaction goes on as before for the dump and the facts.
 */
export async function readSchemaModelSafely(client: QueryClient, step: PlanStep, filter: ScopeFilter): Promise<ModelRead> {
  if (!storesSchemaModel(step) || step.database === null) return { model: null, warnings: [] };
  const database = step.database;
  try {
    await client.query('SAVEPOINT pgbak_model');
    try {
      const schemas = await schemasOf(client, step, filter);
      if (schemas !== null && schemas.length === 0) {
        return noModel(`no schema model of ${database} was stored: no schema matches the step's schema filter`);
      }
      return { model: await inspectSchema(client, { database, schemas }), warnings: [] };
    } finally {
      await client.query('ROLLBACK TO SAVEPOINT pgbak_model');
      await client.query('RELEASE SAVEPOINT pgbak_model');
    }
  } catch (error) {
    return noModel(`the schema model of ${database} could not be read (compare cannot use this backup): ${(error as Error).message}`);
  }
}

/** Adds the model as `<step>/<database>.schema-model.json` (deflated) and returns its manifest record. */
export async function storeSchemaModel(zip: ArchiveEntries, step: PlanStep, model: SchemaModel, logger: PgbakLogger): Promise<ManifestSchemaModel> {
  const name = `${step.step}/${safeName(model.database)}.schema-model.json`;
  const entry = await zip.addBuffer(name, Buffer.from(`${JSON.stringify(model, null, 2)}\n`, 'utf8'), { compress: true });
  logger.info(`${step.step} (${model.database}): ${name} written, ${model.objects.length} objects`);
  return { entry: name, bytes: entry.bytes, sha256: entry.sha256, objects: model.objects.length, schemas: model.schemas };
}

// The profile's schema filter is a list of pg_dump patterns (and exclusions),
// resolved by the step; the model takes names, so the schemas that exist are filtered.
async function schemasOf(client: QueryClient, step: PlanStep, filter: ScopeFilter): Promise<string[] | null> {
  if (step.scope.schemas.length === 0 && step.scope.excludeSchemas.length === 0) return null;
  const { rows } = await client.query<{ name: string }>(
    "SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_)' ORDER BY 1",
  );
  return rows.map((row) => row.name).filter((name) => filter.includesSchema(name));
}

// The caller logs the step's warnings once the step is done.
function noModel(message: string): ModelRead {
  return { model: null, warnings: [message] };
}
