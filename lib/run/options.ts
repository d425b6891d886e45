import type { RunConfig, RunConfigInput } from '../config/run-config.js';
import type { PgbakLogger } from '../log/index.js';

/** How a run reports and stops. */
export interface RunControls {
  logger?: PgbakLogger;
  /** Aborting stops the children (SIGTERM, then SIGKILL) and discards the backup. */
  signal?: AbortSignal;
  /** Show a progress line on the logger's terminal. */
  progress?: boolean;
  now?: () => Date;
}

/**
 * Everything `plan` and `run` accept: either the configuration already loaded
 * (`loadRunConfig`, as the CLI does) or what to load it from (flags, env, profile).
 */
export type RunOptions = RunControls & ({ config: Readonly<RunConfig> } | (RunConfigInput & { config?: undefined }));
