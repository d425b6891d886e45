import { dirname } from 'node:path';
import type { Connection } from '../config/connection-types.js';
import { loadEnv, type Env } from '../config/env-file.js';
import { loadProfile, type LoadedProfile } from '../config/load-profile.js';
import { resolveOutputDir } from '../config/output-dir.js';
import { resolveProfileDirs } from '../config/profile-dirs.js';
import { resolveConnection } from '../config/resolve-connection.js';
import { Sessions } from '../db/sessions.js';
import { readServerInfo } from '../db/server-info.js';
import type { PgbakLogger } from '../log/index.js';
import { checkProfile, compile } from '../plan/compile.js';
import type { Plan } from '../plan/types.js';
import { discoverTools, type ToolName } from '../tools/index.js';
import type { RunOptions } from './options.js';
import type { FailedRunContext } from './record-failed-run.js';

export interface PreparedRun {
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
 * Loads the configuration once (env file, profile, connection), asks the server
 * for its version and databases, finds the client tools, and compiles the plan.
 * Shared by `plan` (which prints it) and `run` (which executes it).
 */
export async function prepareRun(options: RunOptions, logger: PgbakLogger, failed?: PreparationFailed): Promise<PreparedRun> {
  const cwd = options.cwd ?? process.cwd();
  const env = await loadEnv({ envFile: options.envFile, cwd, env: options.env ?? process.env, warn: (message) => logger.warn(message) });
  const dirs = resolveProfileDirs({ cwd, env, profilesDir: options.profilesDir });
  const profile = await loadProfile(options.profile, dirs, env, cwd);
  for (const line of profile.deprecations ?? []) logger.warn(line);
  checkProfile(profile, options.overrides ?? {});
  const outputDir = resolveOutputDir({ cwd, env, flag: options.outputDir, profile: profile.profile.outputDir });
  const connection = await resolveConnection({
    env,
    profile: profile.profile.connection,
    profileDir: dirname(profile.file),
    flags: options.connection,
  });
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
    const plan = compile({
      profile,
      ...(options.overrides ? { overrides: options.overrides } : {}),
      connection,
      facts: { server: server.version, databases: server.databases, tools: tools.inventory },
      outputDir,
      now,
    });
    return { plan, connection, sessions, profile, env };
  } catch (error) {
    await sessions.close();
    await failed?.({ profile, overrides: options.overrides ?? {}, outputDir, connection, now }, error);
    throw error;
  }
}

function toolsFor(profile: LoadedProfile): ToolName[] {
  return [...new Set(profile.profile.steps.map((step) => (step.kind === 'globals-only' ? 'pg_dumpall' : 'pg_dump') as ToolName))];
}
