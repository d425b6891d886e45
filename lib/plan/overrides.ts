import type { DumpFormat, EngineChoice, Profile, RowCountMode } from '../config/profile-schema.js';

/** Command-line options that change a profile's steps for one run. */
export interface StepOverrides {
  tables?: string[] | undefined;
  excludeTables?: string[] | undefined;
  schemas?: string[] | undefined;
  format?: DumpFormat | undefined;
  jobs?: number | undefined;
  rowCounts?: RowCountMode | undefined;
  /** `--schema-model` / `--no-schema-model`: overrides the profile's `schemaModel`. */
  schemaModel?: boolean | undefined;
  /** `run --verify` / `--no-verify`: overrides the profile's `verify`. */
  verify?: boolean | undefined;
  /** `--engine`: overrides the engine of every step. */
  engine?: EngineChoice | undefined;
}

/**
 * Applies command-line overrides to every step that dumps a database (globals
 * have no tables or format). A flag replaces the profile's value for that option.
 * The result is plain data to validate again with the profile schema.
 */
export function applyOverrides(profile: Profile, overrides: StepOverrides): unknown {
  const steps = profile.steps.map((step) => {
    if (step.kind === 'globals-only') return overrides.engine ? { ...step, engine: overrides.engine } : step;
    const next: Record<string, unknown> = { ...step };
    if (overrides.tables?.length) next.tables = overrides.tables;
    if (overrides.excludeTables?.length) next.excludeTables = overrides.excludeTables;
    if (overrides.schemas?.length) next.schemas = overrides.schemas;
    if (overrides.format) next.format = overrides.format;
    if (overrides.jobs !== undefined) next.jobs = overrides.jobs;
    if (overrides.engine) next.engine = overrides.engine;
    return next;
  });
  return {
    ...profile,
    ...(overrides.rowCounts ? { rowCounts: overrides.rowCounts } : {}),
    ...(overrides.schemaModel !== undefined ? { schemaModel: overrides.schemaModel } : {}),
    steps,
  };
}
