import type { Connection } from '../config/connection-types.js';
import type { Env } from '../config/env-file.js';
import type { LoadedProfile } from '../config/load-profile.js';
import { loadRunConfig, type RunConfig } from '../config/run-config.js';
import { Sessions } from '../db/sessions.js';
import { readServerInfo } from '../db/server-info.js';
import type { PgbakLogger } from '../log/index.js';
import { compile } from '../plan/compile.js';
import type { Plan } from '../plan/types.js';
import { discoverTools, type ToolName } from '../tools/index.js';
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
      // Only the programs this profile runs: every --version probe is a process start.
      discoverTools({ env, names: toolsFor(profile) }),
    ]);
    for (const rejected of tools.rejected) logger.debug(`ignored ${rejected.path}: ${rejected.reason}`);
    logger.verbose(`server ${connection.host}:${connection.port} runs PostgreSQL ${server.version.text}`);
    const compiled = compile({
      profile,
      connection,
      facts: { server: server.version, databases: server.databases, tools: tools.inventory },
      outputDir: config.outputDir,
      storage: config.storage,
      signing: config.signing,
      encryption: config.encryption,
      now,
    });
    const plan = await planUploads(compiled, sessions, connection.database, logger);
    return { config, plan, connection, sessions, profile, env };
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
