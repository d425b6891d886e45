// The library function behind `pgbak compare`: reads both sides (in parallel),
// diffs them, and builds the DDL when asked. Reading only: nothing is written to
// either database.
import { withClient } from '../db/client.js';
import { PgbakError } from '../errors.js';
import { readArchiveModel } from './archive-model.js';
import { diffModels, isEmptyDrift, type DiffOptions, type Drift } from './diff.js';
import { inspectDatabase } from './inspect.js';
import { buildMigration, renderMigration } from './migration-sql.js';
import { limitToSchemas } from './model-filter.js';
import type { SchemaModel } from './model.js';
import type { ResolvedSide } from './sides.js';

export interface CompareInput extends DiffOptions {
  source: ResolvedSide;
  target: ResolvedSide;
  /** Also build the DDL that would bring the target to the source's shape. */
  sql?: boolean;
}

/** Where a side was read from, for reports. */
export interface SideSummary {
  kind: 'database' | 'backup';
  label: string;
  database: string;
  serverVersion: string;
  schemas: string[] | null;
  objects: number;
}

export interface CompareResult {
  /** True when no object is missing, extra or different. */
  identical: boolean;
  source: SideSummary;
  target: SideSummary;
  counts: { missing: number; extra: number; different: number };
  drift: Drift;
  /** The DDL, when `sql` was asked for. */
  sql?: string;
  /** How many statements of `sql` are marked destructive. */
  destructiveStatements?: number;
}

export async function compareSchemas(input: CompareInput): Promise<CompareResult> {
  const read = await Promise.all([readSide(input.source, 'source'), readSide(input.target, 'target')]);
  // A backup limited to some schemas can only speak for those: the other side is narrowed to match.
  const source = read[1].schemas !== null && read[0].schemas === null ? limitToSchemas(read[0], read[1].schemas) : read[0];
  const target = read[0].schemas !== null && read[1].schemas === null ? limitToSchemas(read[1], read[0].schemas) : read[1];
  const drift = diffModels(source, target, input);
  const result: CompareResult = {
    identical: isEmptyDrift(drift),
    source: summarize(input.source, source),
    target: summarize(input.target, target),
    counts: { missing: drift.missing.length, extra: drift.extra.length, different: drift.different.length },
    drift,
  };
  if (input.sql) {
    const script = buildMigration(source, target, drift);
    result.sql = renderMigration(script, { source: input.source.label, target: input.target.label });
    result.destructiveStatements = script.destructive;
  }
  return result;
}

/** Reads one side's model: live (SELECT-only, one snapshot) or from a backup's manifest. */
export async function readSide(side: ResolvedSide, name: 'source' | 'target'): Promise<SchemaModel> {
  try {
    if (side.kind === 'backup') {
      const flag = name === 'source' ? '--s-db' : '--t-db';
      const { model } = await readArchiveModel(side.path, { databaseFlag: flag, env: side.env, keys: side.keys, ...(side.database === undefined ? {} : { database: side.database }) });
      return limitToSchemas(model, side.schemas);
    }
    const { connection } = side;
    const model = await withClient(connection, connection.database, (client) => inspectDatabase(client, { database: connection.database, schemas: side.schemas }));
    // The same narrowing as a backup's model gets, so that both sides hold the same kinds of objects.
    return limitToSchemas(model, side.schemas);
  } catch (error) {
    if (error instanceof PgbakError) throw new PgbakError(error.code, `${name}: ${error.message}`, { hint: error.hint, cause: error.cause ?? error, exitCode: error.exitCode });
    throw error;
  }
}

function summarize(side: ResolvedSide, model: SchemaModel): SideSummary {
  return {
    kind: side.kind,
    label: side.label,
    database: model.database,
    serverVersion: model.serverVersion,
    schemas: model.schemas,
    objects: model.objects.length,
  };
}
