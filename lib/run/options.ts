import type { RunConfig, RunConfigInput } from '../config/run-config.js';
import type { PgbakLogger, Progress } from '../log/index.js';

/** How a run reports and stops. */
export interface RunControls {
  logger?: PgbakLogger;
  /** Aborting stops the children (SIGTERM, then SIGKILL) and discards the backup. */
  signal?: AbortSignal;
  /**
   * A progress line (bytes dumped and uploaded, rates, the table being dumped): `true`
   * draws it on stderr (pass it only when stderr is a terminal), or pass your own
   * (`createProgress`). Off by default.
   */
  progress?: boolean | Progress;
  now?: () => Date;
}

/**
 * Everything `plan` and `run` accept: either the configuration already loaded
 * (`loadRunConfig`, as the CLI does) or what to load it from (flags, env, profile).
 */
export type RunOptions = RunControls & ({ config: Readonly<RunConfig> } | (RunConfigInput & { config?: undefined }));
