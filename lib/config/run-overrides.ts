import { PgbakError } from '../errors.js';
import { deepFreeze } from './deep-freeze.js';
import { formatPath, type LoadedProfile } from './load-profile.js';
import { profileSchema, type DumpFormat, type EngineChoice, type Layout, type Profile, type RowCountMode } from './profile-schema.js';

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
  /** `--layout`: overrides the native layout of every database step. */
  layout?: Layout | undefined;
  /** `run --concurrency`: databases dumped at once (overrides the profile's `concurrency`). */
  concurrency?: number | undefined;
}

/**
 * The profile as this run will use it (command-line overrides applied), checked
 * for everything that needs no server: called before connecting, so a usage
 * mistake is reported as one (exit 2) even when the server is down. The file was
 * validated when it was parsed; the schema runs again only when a flag changes it.
 */
export function applyRunOverrides(loaded: LoadedProfile, overrides: StepOverrides): LoadedProfile {
  const profile = changesProfile(overrides) ? checkOverridden(loaded, overrides) : loaded.profile;
  profile.steps.forEach((step, index) => {
    if (step.kind === 'tables' && !step.tables?.length) {
      throw new PgbakError('USAGE', `${loaded.file}: steps[${index}]: kind tables needs tables: list them in the profile or pass --table`, {
        hint: 'e.g. pgbak run tables --table public.orders --table billing.invoices',
      });
    }
  });
  return profile === loaded.profile ? loaded : { ...loaded, profile };
}

function checkOverridden(loaded: LoadedProfile, overrides: StepOverrides): Profile {
  const result = profileSchema.safeParse(applyOverrides(loaded.profile, overrides));
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new PgbakError('USAGE', `profile ${loaded.name} with the command-line options is invalid:\n  ${lines.join('\n  ')}`, {
      hint: 'see `pgbak run --help` and the profile reference in docs/profiles.md',
    });
  }
  return deepFreeze(result.data);
}

// Flags that applyOverrides would not apply (empty lists) leave the profile as parsed.
function changesProfile(o: StepOverrides): boolean {
  return Boolean(o.tables?.length || o.excludeTables?.length || o.schemas?.length || o.format || o.engine || o.rowCounts || o.layout) || o.jobs !== undefined || o.concurrency !== undefined || o.schemaModel !== undefined || o.verify !== undefined;
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
    if (overrides.layout) next.layout = overrides.layout;
    return next;
  });
  return {
    ...profile,
    ...(overrides.rowCounts ? { rowCounts: overrides.rowCounts } : {}),
    ...(overrides.schemaModel !== undefined ? { schemaModel: overrides.schemaModel } : {}),
    ...(overrides.verify !== undefined ? { verify: overrides.verify } : {}),
    ...(overrides.concurrency !== undefined ? { concurrency: overrides.concurrency } : {}),
    steps,
  };
}
