// A profile whose steps name several databases (`databases: all` or a list) runs as one
// archive per database, plus one for the cluster's globals, several at a time within the
// profile's connection budget. Each archive is an ordinary plan (compile): everything a
// single run does (manifest, log, verify, retention, storage, alerts, metrics) holds per database.
import type { Profile, ProfileStep } from '../config/profile-schema.js';
import { PgbakError } from '../errors.js';
import type { ManifestFleet } from '../archive/index.js';
import { CLUSTER_GROUP, compile, databasesOf, type CompileInput } from './compile.js';
import type { Plan, PlanStep } from './types.js';

/** Server connections a profile may hold at once when it sets no `maxConnections`. */
export const DEFAULT_MAX_CONNECTIONS = 10;

/**
 * Connections verify holds at once: one driver session (create, check, drop the scratch
 * database) beside the restoring tool's one. The run's own session is closed before it.
 */
const VERIFY_CONNECTIONS = 2;

/** What a per-database run will do: one plan per archive, and how many run at once. */
export interface FleetPlan {
  /** The databases' plans in the order the server (or the list) gave them, the globals' first. */
  plans: Plan[];
  /** Archives written at once: the profile's (or `--concurrency`), lowered to fit maxConnections. */
  concurrency: number;
  /** What the profile (or `--concurrency`) asked for. */
  requestedConcurrency: number;
  /** The profile's `maxConnections`, or the default. */
  maxConnections: number;
  /** The most connections one archive's run holds at once (see {@link connectionsOf}). */
  connectionsPerArchive: number;
  /** Said on the console and in `plan`: concurrency lowered to fit. */
  warnings: string[];
}

/** Whether a profile runs as one archive per database (a `databases:` step, `archives` not `single`). */
export function isPerDatabase(profile: Profile): boolean {
  return (profile.archives ?? 'per-database') === 'per-database' && profile.steps.some((step) => step.kind !== 'globals-only' && step.databases !== undefined);
}

/** One plan per database (and one for the globals), with the concurrency that fits the connection budget. */
export function compileFleet(input: CompileInput): FleetPlan {
  const loaded = input.profile;
  const profile = loaded.profile;
  const perStep = profile.steps.map((step, index) =>
    step.kind === 'globals-only' ? [] : databasesOf(step, input.connection, input.facts, `${loaded.file}: steps[${index}]`),
  );
  const databases = [...new Set(perStep.flat())];
  if (databases.includes(CLUSTER_GROUP)) {
    throw new PgbakError('USAGE', `${loaded.file}: a database is named ${CLUSTER_GROUP}, the name a per-database run gives its globals archive`, {
      hint: 'exclude it (excludeDatabases) or set archives: single',
    });
  }
  const allDatabases = profile.steps.some((step) => step.databases === 'all');
  const fleet: ManifestFleet = { startedAt: input.now.toISOString(), databases, ...(allDatabases && { allDatabases: true as const }) };
  const plans: Plan[] = [];
  const globals = profile.steps.filter((step) => step.kind === 'globals-only');
  if (globals.length > 0) {
    const plan = compile({ ...input, cluster: true, profile: { ...loaded, profile: { ...profile, steps: globals } } });
    plans.push({ ...plan, allDatabases: false, fleet: { ...fleet, globals: true } });
  }
  for (const database of databases) {
    const steps = profile.steps.flatMap((step, index): ProfileStep[] => (perStep[index]!.includes(database) ? [forDatabase(step, database)] : []));
    const plan = compile({ ...input, profile: { ...loaded, profile: { ...profile, steps } } });
    // Each archive holds one database: allDatabases (an older reader's "the others were dropped") stays off.
    plans.push({ ...plan, allDatabases: false, fleet });
  }
  return { plans, ...fitConcurrency(profile, plans) };
}

function forDatabase(step: ProfileStep, database: string): ProfileStep {
  const { databases: _databases, excludeDatabases: _excluded, ...rest } = step;
  return { ...rest, database };
}

function fitConcurrency(profile: Profile, plans: readonly Plan[]): Omit<FleetPlan, 'plans'> {
  const requested = profile.concurrency ?? 1;
  const maxConnections = profile.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const perArchive = Math.max(...plans.map(connectionsOf));
  if (perArchive > maxConnections) {
    const widest = plans.find((plan) => connectionsOf(plan) === perArchive)!;
    throw new PgbakError('USAGE', `the archive of ${widest.databases.join(', ')} needs ${perArchive} server connections at once, more than maxConnections ${maxConnections}`, {
      hint: 'raise maxConnections in the profile, or lower the steps\' jobs',
    });
  }
  const fits = Math.floor(maxConnections / perArchive);
  const concurrency = Math.max(1, Math.min(requested, fits, plans.length));
  const warnings =
    requested > fits && plans.length > fits
      ? [`concurrency ${requested} lowered to ${concurrency}: each archive holds up to ${perArchive} server connections and maxConnections is ${maxConnections}`]
      : [];
  return { concurrency, requestedConcurrency: requested, maxConnections, connectionsPerArchive: perArchive, warnings };
}

/**
 * The most server connections one archive's run holds at once. Its steps run one after
 * the other; a database step holds pgbak's snapshot session (row counts, the schema
 * model, the native engine's reads) while its dumper runs: pg_dump opens one connection,
 * or jobs + 1 with `--jobs` (directory format); the native engine's workers add jobs − 1.
 * Globals: pg_dumpall's one (or the native engine's one). Verify comes after the dump,
 * once the run's session is closed.
 */
export function connectionsOf(plan: Plan): number {
  const dump = Math.max(0, ...plan.steps.map(stepConnections));
  return Math.max(dump, plan.verify ? VERIFY_CONNECTIONS : 0);
}

function stepConnections(step: PlanStep): number {
  if (step.database === null) return 1;
  const nativeJobs = Math.max(1, step.engine === 'native' ? step.options.jobs : step.nativeOptions.jobs);
  if (step.engine === 'native') return nativeJobs;
  const pgDump = step.format === 'directory' && step.nativeOptions.jobs > 1 ? step.nativeOptions.jobs + 1 : 1;
  // Engine auto may hand the step to the native engine (after pg_dump failed): one or the other at a time.
  return Math.max(1 + pgDump, step.fallback ? nativeJobs : 0);
}
