import type { Manifest, ManifestDatabaseDefinition, ManifestSchemaModel, ManifestStep } from '../archive/index.js';
import { LOG_ENTRY, MANIFEST_FORMAT_VERSION } from '../archive/index.js';
import type { DataFacts } from '../db/row-counts.js';
import type { StepRunResult } from '../engines/step.js';
import type { Plan, PlanStep } from '../plan/types.js';
import { SIGNATURE_ENTRY } from '../crypto/signing/index.js';
import { pgbakVersion } from '../version.js';

export interface StepRecord {
  step: PlanStep;
  result: StepRunResult;
  snapshot: string | null;
  facts: DataFacts | null;
  /** Native engine: what could not be read and is not in the dump. */
  omitted?: string[];
  /** The schema model stored beside the dump, when one was read. */
  schemaModel?: ManifestSchemaModel;
  /** Native engine: the value each setval it wrote sets (verify compares the restored sequences with these). */
  dumpedSequences?: Record<string, { lastValue: string; isCalled: boolean }>;
  /** Native engine, whole-database dumps: the database itself (restore --create). */
  databaseDefinition?: ManifestDatabaseDefinition;
}

/** The manifest of a finished run: plan facts plus what each step produced. */
export function buildManifest(plan: Plan, records: StepRecord[], startedAt: Date, finishedAt: Date): Manifest {
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    pgbak: { version: pgbakVersion },
    profile: { name: plan.profile.name, source: plan.profile.origin, file: plan.profile.file, sha256: plan.profile.sha256 },
    source: {
      ...plan.connection,
      serverVersion: { text: plan.server.text, major: plan.server.major, minor: plan.server.minor },
    },
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    status: 'complete',
    steps: records.map(toManifestStep),
    ...(plan.allDatabases ? { allDatabases: true as const } : {}),
    ...(plan.fleet ? { fleet: plan.fleet } : {}),
    log: { entry: LOG_ENTRY },
    ...(plan.signing ? { signing: { algorithm: plan.signing.algorithm, keyId: plan.signing.keyId, entry: SIGNATURE_ENTRY } } : {}),
  };
}

function toManifestStep({ step, result, snapshot, facts, omitted, schemaModel, dumpedSequences, databaseDefinition }: StepRecord): ManifestStep {
  return {
    name: step.step,
    kind: step.kind,
    database: step.database,
    format: step.format,
    engine: step.engine,
    ...(step.engine === 'native' && step.reason ? { engineReason: step.reason } : {}),
    ...(omitted?.length ? { omitted } : {}),
    tool:
      step.engine === 'native'
        ? { name: 'pgbak', path: 'native engine', version: pgbakVersion }
        : { name: step.tool.name, path: step.tool.path, version: step.tool.version.text },
    command: result.command,
    startedAt: result.startedAt.toISOString(),
    finishedAt: result.finishedAt.toISOString(),
    snapshot,
    entries: result.entries.map((e) => ({ name: e.name, bytes: e.bytes, sha256: e.sha256, compressed: e.compressed, ...(result.parts?.[e.name] ?? {}) })),
    ...(result.parts ? { layout: 'split' as const } : {}),
    ...(schemaModel ? { schemaModel } : {}),
    rowCounts: facts?.rowCounts ?? null,
    sequences: facts && step.tableScope ? facts.sequences : null,
    ...(dumpedSequences ? { dumpedSequences } : {}),
    ...(databaseDefinition ? { databaseDefinition } : {}),
    largeObjects: facts?.largeObjects ?? null,
    warnings: facts?.warnings ?? [],
  };
}
