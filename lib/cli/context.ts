import type { PgbakLogger } from '../log/index.js';

/** What the CLI shell hands each command: output channels and the cancel signal. */
export interface CommandContext {
  logger: PgbakLogger;
  /** stdout: only results (tables, plans, `--json` objects) go here. */
  print(text: string): void;
  signal: AbortSignal;
  /** stderr is a terminal (progress lines make sense). */
  interactive: boolean;
}

/** Options every command takes. */
export interface GlobalArgs {
  'env-file'?: string | undefined;
  'profiles-dir'?: string | undefined;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  debug: boolean;
}
