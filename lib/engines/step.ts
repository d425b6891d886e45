// The contract every engine meets: write one step of a plan into the archive.
// The run picks the engine and the snapshot; the engine knows nothing of profiles,
// of the other engine, or of where the archive goes.
import type { EntryInfo, ManifestDatabaseDefinition, PartRole, ZipWriter } from '../archive/index.js';
import type { Secret } from '../config/secret.js';
import type { QueryClient } from '../db/client.js';
import type { QueryRecord } from '../db/query-record.js';
import type { Sessions } from '../db/sessions.js';
import type { ScopeFilter } from '../db/table-scope.js';
import type { PgbakLogger, Progress } from '../log/index.js';
import type { PlanStep } from '../plan/types.js';

/** What an engine may do with the archive: add entries. Finishing or discarding it is the run's. */
export type ArchiveEntries = Pick<ZipWriter, 'addStream' | 'addBuffer' | 'addFile'> & Partial<Pick<ZipWriter, 'prepare'>>;

/** What the executor needs besides the step: the world it talks to. */
export interface StepContext {
  zip: ArchiveEntries;
  logger: PgbakLogger;
  progress: Progress;
  signal: AbortSignal;
  password: Secret | undefined;
  /** The client key's pass phrase (libpq sslpassword), when one was given. */
  sslpassword?: Secret | undefined;
  /** Folder for directory-format dumps (a private temp dir is made inside it). */
  scratchDir: string;
  /** Grace period between SIGTERM and SIGKILL for a child being stopped. */
  killAfterMs?: number;
}

export interface StepRunResult {
  /** argv as run (no secrets), for the manifest. */
  command: string[];
  entries: EntryInfo[];
  /** Native split layout: each entry's role (and table), by entry name. */
  parts?: Record<string, { role: PartRole; table?: string }>;
  startedAt: Date;
  finishedAt: Date;
}

/** Where a step reads from: the run's sessions and, for a step in one database, its snapshot. */
export interface StepSession {
  sessions: Sessions;
  serverMajor: number;
  /** The database a step of the whole cluster (globals) connects to. */
  clusterDatabase: string;
  /** The snapshot exported for the step (null: none, e.g. globals or `snapshot: false`). */
  snapshot: StepSnapshot | null;
}

/** The step's exported snapshot: its id, the client that holds it, and the step's resolved patterns. */
export interface StepSnapshot {
  id: string;
  client: QueryClient;
  filter: ScopeFilter;
  /** When given, an engine that reads the catalog itself keeps that read here (the schema model is built from it). */
  catalogRecord?: QueryRecord;
}

/** What an engine wrote for a step, and what it has to say about it. */
export interface StepOutcome {
  result: StepRunResult;
  /** What could not be read and is not in the dump. */
  omitted?: string[];
  /** Warnings about the dump, for the step's record. */
  warnings?: string[];
  /** The value each setval the engine wrote sets (verify compares the restored sequences with these). */
  sequenceValues?: Record<string, { lastValue: string; isCalled: boolean }>;
  /**
   * The rows each table's data read returned, by display name (`public.orders`), when the
   * engine read them in the step's snapshot itself: the exact row counts, without a second scan.
   */
  rowsCopied?: ReadonlyMap<string, number>;
  /** The database itself (native engine, whole-database dumps): what restore --create gives the copy. */
  databaseDefinition?: ManifestDatabaseDefinition;
}

/** An engine: writes one step, of the kind of plan step it runs, into the archive. */
export interface DumpEngine<Step extends PlanStep = PlanStep> {
  name: Step['engine'];
  runStep(step: Step, session: StepSession, ctx: StepContext): Promise<StepOutcome>;
}
