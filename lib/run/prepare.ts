import type { Connection } from '../config/connection-types.js';
import type { Env } from '../config/env-file.js';
import type { LoadedProfile } from '../config/load-profile.js';
import { loadRunConfig, type RunConfig } from '../config/run-config.js';
import type { TlsRefusals } from '../db/client.js';
import { Sessions } from '../db/sessions.js';
import { readServerInfo } from '../db/server-info.js';
import type { PgbakLogger } from '../log/index.js';
import { compile, type CompileInput } from '../plan/compile.js';
import { compileFleet, type FleetPlan } from '../plan/compile-fleet.js';
import type { Plan } from '../plan/types.js';
import { discoverTools, toolVersionCacheDir, type ToolName } from '../tools/index.js';
import type { RunOptions } from './options.js';
import type { FailedRunContext } from './record-failed-run.js';
import { planUploads } from './upload-plan.js';

export interface PreparedRun {
  /** The run's configuration, loaded once: hand it on instead of reading flags or env again. */
  config: Readonly<RunConfig>;
  plan: Plan;
  connection: Connection;
  /** Open driver connections for the run to reuse; the caller closes them. */
  sessions: Sessions;
  profile: LoadedProfile;
  env: Env;
}

/**
 * Called when preparing fails once the configuration is usable (the server, the
 * databases, the tools): `run` records the failed run in the output folder.
 */
export type PreparationFailed = (context: FailedRunContext, error: unknown) => Promise<unknown>;

/**
 * Takes the run's configuration (loaded here once when the caller did not), asks
 * the server for its version and databases, finds the client tools, and compiles
 * the plan. Shared by `plan` (which prints it) and `run` (which executes it).
 */
export async function prepareRun(options: RunOptions, logger: PgbakLogger, failed?: PreparationFailed): Promise<PreparedRun> {
  const prepared = await prepareWith(options, logger, failed, async (input, sessions, database) => planUploads(compile(input), sessions, database, logger));
  return { ...prepared, plan: prepared.built };
}

/** What {@link prepareFleet} hands a per-database run: its plans; the server's connection is closed. */
export interface PreparedFleet extends Omit<PreparedRun, 'plan' | 'sessions'> {
  fleet: FleetPlan;
  /** What preparing learned about the server's TLS, for every archive's sessions to share. */
  tls: TlsRefusals;
}

/**
 * prepareRun for a profile that writes one archive per database (plan/compile-fleet.ts):
 * the server is asked once for its databases, the tools are found once, every archive's
 * plan is compiled, and the connection used for that is closed before any dump starts.
 */
export async function prepareFleet(options: RunOptions, logger: PgbakLogger, failed?: PreparationFailed): Promise<PreparedFleet> {
  const prepared = await prepareWith(options, logger, failed, async (input, sessions, database) => {
    const fleet = compileFleet(input);
    const plans: Plan[] = [];
    for (const plan of fleet.plans) plans.push(await planUploads(plan, sessions, database, logger));
    return { ...fleet, plans };
  });
  await prepared.sessions.close();
  const { built, sessions, ...rest } = prepared;
  return { ...rest, fleet: built, tls: sessions.tls };
}

async function prepareWith<T>(
  options: RunOptions,
  logger: PgbakLogger,
  failed: PreparationFailed | undefined,
  build: (input: CompileInput, sessions: Sessions, database: string) => Promise<T>,
): Promise<Omit<PreparedRun, 'plan'> & { built: T }> {
  const config = options.config ?? (await loadRunConfig(options, (message) => logger.warn(message)));
  const { profile, connection, env } = config;
  if (connection.password) logger.addSecret(connection.password.reveal());
  if (connection.sslpassword) logger.addSecret(connection.sslpassword.reveal());
  logger.debug(`profile ${profile.name} from ${profile.file}`);
  logger.debug(`connecting to ${connection.host}:${connection.port} as ${connection.user}, database ${connection.database}`);

  const now = (options.now ?? (() => new Date()))();
  const sessions = new Sessions(connection);
  try {
    const [server, tools] = await Promise.all([
      sessions.use(connection.database, readServerInfo),
      // Only the programs this profile runs: every --version probe is a process start (kept
      // in the user's cache for compiled programs while the file stays the same).
      discoverTools({ env, names: toolsFor(profile), versionCache: toolVersionCacheDir({ env }) }),
    ]);
    for (const rejected of tools.rejected) logger.debug(`ignored ${rejected.path}: ${rejected.reason}`);
    logger.verbose(`server ${connection.host}:${connection.port} runs PostgreSQL ${server.version.text}`);
    const built = await build({
      profile,
      connection,
      facts: { server: server.version, databases: server.databases, tools: tools.inventory },
      outputDir: config.outputDir,
      storage: config.storage,
      signing: config.signing,
      encryption: config.encryption,
      now,
    }, sessions, connection.database);
    return { config, built, connection, sessions, profile, env };
  } catch (error) {
    await sessions.close();
    // config.profile already has the flags applied.
    await failed?.({ profile, overrides: {}, outputDir: config.outputDir, storage: config.storage, env, connection, now }, error);
    throw error;
  }
}

function toolsFor(profile: LoadedProfile): ToolName[] {
  return [...new Set(profile.profile.steps.map((step) => (step.kind === 'globals-only' ? 'pg_dumpall' : 'pg_dump') as ToolName))];
}
