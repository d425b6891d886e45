import type { PublicConnection } from '../config/connection-types.js';
import type { DumpFormat, RetentionPolicy, RowCountMode, StepKind } from '../config/profile-schema.js';
import type { PgVersion, ToolInfo } from '../tools/index.js';

/** Where a step's output goes in the zip. */
export type StepOutput =
  /** stdout streamed into one entry. */
  | { type: 'stream'; entry: string; compress: boolean }
  /** pg_dump -Fd writes a folder (in a private temp dir) that becomes entries under `prefix`. */
  | { type: 'directory'; prefix: string };

/** Which tables a step covers, for row counts (pg_dump patterns, as given). */
export interface TableScope {
  schemas: readonly string[];
  excludeSchemas: readonly string[];
  tables: readonly string[];
  excludeTables: readonly string[];
  excludeTableData: readonly string[];
}

/** One subprocess: a step of the profile for one database (or the cluster). */
export interface PlanStep {
  /** Step name from the profile. */
  step: string;
  kind: StepKind;
  /** The database dumped, or null for cluster-wide globals. */
  database: string | null;
  format: DumpFormat;
  tool: ToolInfo;
  /** argv after the program, without the run-time arguments (snapshot, directory path). */
  args: readonly string[];
  /** Environment added for the child; never holds a secret (PGPASSWORD is added by the executor). */
  env: Readonly<Record<string, string>>;
  output: StepOutput;
  /** Export a snapshot on a pgbak connection and pass `--snapshot` so row counts match the dump. */
  snapshot: boolean;
  /** Null when the step dumps no table data. */
  tableScope: TableScope | null;
  /** Count large objects for the manifest. */
  countLargeObjects: boolean;
}

/** What `run` will do: pure data, printed by `plan`, executed by the engine. */
export interface Plan {
  profile: { name: string; file: string; origin: 'built-in' | 'user'; sha256: string };
  connection: PublicConnection;
  server: PgVersion;
  outputDir: string;
  /** File name of the finished zip inside outputDir. */
  archiveName: string;
  rowCounts: RowCountMode;
  /** Deflate level for entries pg_dump left uncompressed (0 stores them). */
  zipCompressionLevel: number;
  /** Restore-test the backup right after writing it (profile `verify`, or `run --verify`). */
  verify: boolean;
  /** The profile's retention, applied after a successful (and, if asked, verified) run. */
  retention: RetentionPolicy | null;
  steps: readonly PlanStep[];
}
