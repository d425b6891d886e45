import type { ConnectionFlags } from '../config/resolve-connection.js';
import type { Env } from '../config/env-file.js';
import type { PgbakLogger } from '../log/index.js';
import type { StepOverrides } from '../plan/overrides.js';

/** Everything `plan` and `run` accept; the CLI fills it from flags. */
export interface RunOptions {
  /** Profile name (user folder first, then built-in) or a path to a YAML file. */
  profile: string;
  cwd?: string;
  /** Defaults to `process.env`; read once, never again downstream. */
  env?: Env;
  /** A dotenv file; `.env` in cwd is read when present. */
  envFile?: string | undefined;
  profilesDir?: string | undefined;
  /** `--output-dir` > `PGBAK_OUTPUT_DIR` > the profile's `outputDir` > `./backups`. */
  outputDir?: string | undefined;
  connection?: ConnectionFlags;
  overrides?: StepOverrides;
  logger?: PgbakLogger;
  /** Aborting stops the children (SIGTERM, then SIGKILL) and discards the backup. */
  signal?: AbortSignal;
  /** Show a progress line on the logger's terminal. */
  progress?: boolean;
  now?: () => Date;
}
