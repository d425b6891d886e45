import type { Connection } from '../config/connection-types.js';
import type { RunConfig } from '../config/run-config.js';
import type { Sessions } from '../db/sessions.js';
import { PgbakError } from '../errors.js';
import type { PgbakLogger, Progress } from '../log/index.js';
import type { Plan } from '../plan/types.js';

/** What travels through one run: the compiled plan and the world it talks to. */
export interface RunContext {
  /** The run's configuration, loaded once (verify after the run reads no environment again). */
  config: Readonly<RunConfig>;
  plan: Plan;
  connection: Connection;
  sessions: Sessions;
  logger: PgbakLogger;
  signal: AbortSignal;
  /** The progress line on the terminal (a no-op one when not shown); the logger clears it before writing. */
  progress: Progress;
  /**
   * The output folders already swept for what killed runs left, by the archives of one
   * per-database run (run-fleet.ts): each folder is read once per fleet, not once per
   * database (a folder of a thousand databases' archives, a thousand times). Absent: sweep.
   */
  sweptFolders?: Map<string, Promise<void>>;
  /** The server's name when the profile lists several (`connections:`): its run locks name it. */
  server?: string;
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new PgbakError('INTERRUPTED', 'interrupted before the backup was complete; nothing was written');
}
