import type { Connection } from '../config/connection-types.js';
import { toPublicConnection } from '../config/connection-types.js';
import type { LoadedProfile } from '../config/load-profile.js';
import type { DumpFormat, Layout, Profile, ProfileStep } from '../config/profile-schema.js';
import { isPgbakError, PgbakError } from '../errors.js';
import { selectToolFor, type PgVersion, type ToolInfo, type ToolInventory } from '../tools/index.js';
import { resolveCompression } from './compression.js';
import { globalsOptionArgs, kindArgs, optionArgs } from './kind-args.js';
import { childEnv } from '../config/child-env.js';
import { applyRunOverrides, type StepOverrides } from '../config/run-overrides.js';
import { archiveName, safeName } from './names.js';
import type { Encryption } from '../config/encryption.js';
import { expandPrefix, type Storage } from '../config/storage.js';
import type { NativeOptions, Plan, PlannedEncryption, PlanSigning, PlanStep, StepOutput, TableScope } from './types.js';

/** What compile needs to know about the world, gathered beforehand. */
export interface CompileFacts {
  server: PgVersion;
  /** Databases that accept connections and are not templates (for `databases: all`). */
  databases: readonly string[];
  tools: ToolInventory;
}

export interface CompileInput {
  /** The profile as the run uses it: command-line overrides applied and checked (`applyRunOverrides`). */
  profile: LoadedProfile;
  connection: Connection;
  facts: CompileFacts;
  outputDir: string;
  /** Where the archive goes (RunConfig.storage); default: the output folder alone. */
  storage?: readonly Storage[] | undefined;
  /** The signing key's id and file (RunConfig.signing), when the profile signs. */
  signing?: { keyId: string; keyFile: string } | null | undefined;
  /** age encryption (RunConfig.encryption); the archive becomes `<name>.zip.age`. */
  encryption?: Encryption | null | undefined;
  now: Date;
  /**
   * The globals archive of a per-database run: its retention group and lock are
   * {@link CLUSTER_GROUP}, its name and `{database}` say `globals`.
   */
  cluster?: boolean;
}

/**
 * The group (retention, status, run lock) of the globals archive a per-database run writes
 * beside its databases' archives. Parentheses: no database of a fleet is expected to be
 * called so (compileFleet refuses one that is).
 */
export const CLUSTER_GROUP = '(globals)';

const defaultFormat: Record<ProfileStep['kind'], DumpFormat> = {
  full: 'custom',
  'schema-only': 'plain',
  'data-only': 'custom',
  tables: 'custom',
  'large-objects': 'custom',
  'globals-only': 'plain',
};

const extension: Record<DumpFormat, string> = { plain: 'sql', custom: 'dump', tar: 'tar', directory: '' };

/**
 * Turns a profile into the exact subprocesses a run executes. Pure: everything
 * it depends on is in its input, so it is tested without a database.
 */
export function compile(input: CompileInput): Plan {
  // Validated once, where it was loaded: compile trusts it.
  const profile = input.profile.profile;
  const { connection, facts } = input;
  const steps: PlanStep[] = [];
  profile.steps.forEach((step, index) => {
    const where = `${input.profile.file}: steps[${index}]`;
    const engine = chooseEngine(step.engine ?? profile.engine ?? 'auto', step.kind === 'globals-only' ? 'pg_dumpall' : 'pg_dump', facts, connection);
    if (step.kind === 'globals-only') {
      steps.push(engine.engine === 'native' ? compileNative(step, null, engine.reason) : compileGlobals(step, connection, engine.tool, engine.auto));
      return;
    }
    for (const database of databasesOf(step, connection, facts, where)) {
      if (step.statistics === true) checkStatistics(facts.server, where);
      steps.push(engine.engine === 'native' ? compileNative(step, database, engine.reason, profile.layout) : compileDump(step, database, connection, engine.tool, engine.auto, where));
    }
  });
  const databases = input.cluster ? [CLUSTER_GROUP] : runDatabases(steps, connection.database);
  const label = input.cluster ? 'globals' : archiveLabel(profile, databases);
  const prefixValues = { host: connection.host, database: label, profile: input.profile.name };
  const storage = (input.storage ?? [{ kind: 'local', dir: input.outputDir }]).map((where) =>
    where.kind === 'local' ? { ...where } : { ...where, prefix: expandPrefix(where.prefix, prefixValues) },
  );
  return {
    profile: { name: input.profile.name, file: input.profile.file, origin: input.profile.origin, sha256: input.profile.sha256 },
    connection: toPublicConnection(connection),
    server: facts.server,
    outputDir: input.outputDir,
    archiveName: `${archiveName(input.profile.name, label, input.now)}${input.encryption ? '.age' : ''}`,
    storage,
    ...(input.encryption && { encryption: plannedEncryption(input.encryption) }),
    databases,
    allDatabases: profile.steps.some((step) => step.databases === 'all'),
    rowCounts: profile.rowCounts ?? 'exact',
    schemaModel: profile.schemaModel ?? true,
    // Fast deflate by default: level 6 cost twice pg_dump's own time on plain dumps
    // for a few percent smaller zips (BENCHMARKS.md).
    zipCompressionLevel: profile.zipCompressionLevel ?? 1,
    verify: profile.verify ?? false,
    retention: profile.retention ?? null,
    ...(input.signing ? { signing: { algorithm: 'ed25519', keyId: input.signing.keyId, keyFile: input.signing.keyFile } satisfies PlanSigning } : {}),
    steps,
  };
}

/**
 * The profile as a run with these command-line overrides uses it, checked for
 * everything that needs no server (see applyRunOverrides, which loadRunConfig calls once).
 */
export function checkProfile(loaded: LoadedProfile, overrides: StepOverrides): Profile {
  return applyRunOverrides(loaded, overrides).profile;
}

type EngineChoice = { engine: 'pg_dump'; tool: ToolInfo; auto: boolean } | { engine: 'native'; reason: string | null };

/**
 * `native` when asked for; `pg_dump` when asked for (no compatible tool is an
 * error); `auto`: pg_dump when a compatible one is installed, else native, with
 * the reason recorded (the selection error names the server and the tools found).
 */
// An installed tool too old for the server, or for the connection's settings
// (sslrootcert=system needs 16): engine auto takes the native engine instead.
function chooseEngine(wanted: 'auto' | 'pg_dump' | 'native', toolName: 'pg_dump' | 'pg_dumpall', facts: CompileFacts, connection: Connection): EngineChoice {
  if (wanted === 'native') return { engine: 'native', reason: null };
  try {
    return { engine: 'pg_dump', tool: selectToolFor(facts.tools, toolName, facts.server, connection), auto: wanted === 'auto' };
  } catch (error) {
    if (wanted === 'auto' && isPgbakError(error) && (error.code === 'TOOL_NOT_FOUND' || error.code === 'TOOL_INCOMPATIBLE')) {
      return { engine: 'native', reason: `no usable ${toolName}: ${error.message}` };
    }
    throw error;
  }
}

function compileNative(step: ProfileStep, database: string | null, reason: string | null, profileLayout?: Layout): PlanStep {
  const name = step.name ?? step.kind;
  const entry = database === null ? `${name}/globals.sql` : `${name}/${safeName(database)}.sql`;
  return {
    engine: 'native',
    reason,
    scope: tableScope(step),
    step: name,
    kind: step.kind,
    database,
    // The native engine writes one self-contained plain SQL file, whatever format the profile names.
    format: 'plain',
    output: { type: 'stream', entry, compress: true },
    snapshot: database !== null,
    tableScope: database === null || step.kind === 'schema-only' || step.kind === 'large-objects' ? null : tableScope(step),
    countLargeObjects: database !== null && dumpsLargeObjects(step),
    options: { ...nativeOptionsOf(step), ...(database !== null && (step.layout ?? profileLayout) === 'split' ? { layout: 'split' as const } : {}) },
  };
}

function nativeOptionsOf(step: ProfileStep): NativeOptions {
  return {
    noOwner: step.noOwner ?? false,
    noPrivileges: step.noPrivileges ?? false,
    jobs: step.jobs ?? 1,
    skipUnreadable: step.skipUnreadable ?? false,
    noRolePasswords: step.noRolePasswords ?? false,
    lockWaitTimeout: step.lockWaitTimeout === undefined ? null : String(step.lockWaitTimeout),
    ...(step.statistics === true ? { statistics: true as const } : {}),
  };
}

/**
 * `statistics: true` needs a PostgreSQL 18 server: the dump restores statistics with
 * pg_restore_relation_stats(), which older servers lack, so a backup of one would not
 * restore on its own server (nor pass verify). Refused before anything runs rather than
 * silently left out. (pg_dump for an 18 server is 18 or newer: it has --with-statistics.)
 */
function checkStatistics(server: PgVersion, where: string): void {
  if (server.major >= 18) return;
  throw new PgbakError('USAGE', `${where}: statistics: true needs a PostgreSQL 18 server; this one is ${server.text}`, {
    hint: 'statistics are restored with pg_restore_relation_stats(), new in PostgreSQL 18: remove statistics from the step, and run ANALYZE after a restore',
  });
}

function compileDump(step: ProfileStep, database: string, connection: Connection, tool: ToolInfo, fallback: boolean, where: string): PlanStep {
  const format = step.format ?? defaultFormat[step.kind];
  const compression = resolveCompression(step.compression, format, tool, `${where}.compression`);
  const name = step.name ?? step.kind;
  const args = [
    ...connectionArgs(connection),
    `--dbname=${dbnameArg(database)}`,
    `--format=${format}`,
    ...(compression.arg === null ? [] : [`--compress=${compression.arg}`]),
    ...kindArgs(step, tool),
    ...optionArgs(step),
    // pg_dump 18 dumps no statistics unless asked (checkStatistics made sure it is 18+).
    ...(step.statistics === true ? ['--with-statistics'] : []),
    '--verbose',
    ...(step.extraArgs ?? []),
  ];
  const output: StepOutput =
    format === 'directory'
      ? { type: 'directory', prefix: `${name}/${safeName(database)}/` }
      : {
          type: 'stream',
          // A compressed plain dump is a .sql.gz/.lz4/.zst file; archive formats keep their own name.
          entry: `${name}/${safeName(database)}.${extension[format]}${format === 'plain' ? compression.suffix : ''}`,
          compress: !compression.compressed,
        };
  return {
    engine: 'pg_dump',
    step: name,
    kind: step.kind,
    database,
    format,
    tool,
    args,
    env: childEnv(connection),
    fallback,
    nativeOptions: nativeOptionsOf(step),
    output,
    scope: tableScope(step),
    snapshot: true,
    tableScope: step.kind === 'schema-only' || step.kind === 'large-objects' ? null : tableScope(step),
    countLargeObjects: dumpsLargeObjects(step),
  };
}

function compileGlobals(step: ProfileStep, connection: Connection, tool: ToolInfo, fallback: boolean): PlanStep {
  const name = step.name ?? step.kind;
  return {
    engine: 'pg_dump',
    step: name,
    kind: step.kind,
    database: null,
    format: 'plain',
    tool,
    args: [
      ...connectionArgs(connection),
      `--database=${dbnameArg(connection.database)}`,
      ...kindArgs(step, tool),
      ...globalsOptionArgs(step),
      '--verbose',
      ...(step.extraArgs ?? []),
    ],
    env: childEnv(connection),
    fallback,
    nativeOptions: nativeOptionsOf(step),
    output: { type: 'stream', entry: `${name}/globals.sql`, compress: true },
    scope: tableScope(step),
    snapshot: false,
    tableScope: null,
    countLargeObjects: false,
  };
}

// What the steps dump, not what the connection names: a run that dumps crm while
// connected to app is a backup of crm.
function runDatabases(steps: readonly PlanStep[], connected: string): string[] {
  const dumped = [...new Set(steps.flatMap((step) => (step.database === null ? [] : [step.database])))];
  return dumped.length > 0 ? dumped : [connected];
}

function archiveLabel(profile: Profile, databases: readonly string[]): string {
  if (databases.length === 1) return databases[0]!;
  return profile.steps.some((step) => step.databases === 'all') ? 'all' : `${databases.length}-databases`;
}

export function databasesOf(step: ProfileStep, connection: Connection, facts: CompileFacts, where: string): string[] {
  if (step.databases === 'all') {
    const excluded = new Set(step.excludeDatabases ?? []);
    const list = facts.databases.filter((db) => !excluded.has(db));
    if (list.length === 0) throw new PgbakError('USAGE', `${where}: databases: all leaves no database to dump`);
    return list;
  }
  if (step.databases) return [...step.databases];
  return [step.database ?? connection.database];
}

// Host, port and user go on the command line so that `plan` shows them; the
// password never does (see childEnv / the executor). --no-password: never prompt.
function connectionArgs(connection: Connection): string[] {
  return [`--host=${connection.host}`, `--port=${connection.port}`, `--username=${connection.user}`, '--no-password'];
}

// libpq reads a dbname holding "=" (or a URI prefix) as a connection string, so
// such names go in as a quoted conninfo keyword instead.
export function dbnameArg(name: string): string {
  if (!name.includes('=') && !/^postgres(ql)?:\/\//.test(name)) return name;
  return `dbname='${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

// Mirrors kindArgs: whole-database kinds include large objects unless told not
// to; narrowed kinds only when `blobs: true` asks for them.
function dumpsLargeObjects(step: ProfileStep): boolean {
  if (step.kind === 'large-objects' || step.kind === 'full') return step.blobs !== false;
  if (step.kind === 'schema-only' || step.kind === 'globals-only') return false;
  if (step.blobs !== undefined) return step.blobs;
  // pg_dump's default: large objects go with an "everything" dump, not a narrowed one.
  return step.kind === 'data-only' && !step.schemas?.length && !step.tables?.length;
}

function tableScope(step: ProfileStep): TableScope {
  return {
    schemas: step.schemas ?? [],
    excludeSchemas: step.excludeSchemas ?? [],
    tables: step.tables ?? [],
    excludeTables: step.excludeTables ?? [],
    excludeTableData: step.excludeTableData ?? [],
  };
}

function plannedEncryption(encryption: Encryption): PlannedEncryption {
  return encryption.kind === 'age-recipients'
    ? { kind: 'age-recipients', recipients: [...encryption.recipients] }
    : { kind: 'age-passphrase', source: encryption.source };
}
