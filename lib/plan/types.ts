import type { LocalStorage, S3Storage } from '../config/storage.js';
import type { UploadSizes } from '../storage/index.js';
import type { PublicConnection } from '../config/connection-types.js';
import type { DumpFormat, RetentionPolicy, RowCountMode, StepKind } from '../config/profile-schema.js';
import type { PgVersion, ToolInfo } from '../tools/index.js';
import type { ManifestFleet } from '../archive/index.js';

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

interface PlanStepBase {
  /** Step name from the profile. */
  step: string;
  kind: StepKind;
  /** The database dumped, or null for cluster-wide globals. */
  database: string | null;
  format: DumpFormat;
  output: StepOutput;
  /** Export a snapshot on a pgbak connection so row counts (and native reads) match the dump. */
  snapshot: boolean;
  /** Null when the step dumps no table data. */
  tableScope: TableScope | null;
  /** Which schemas and tables are dumped (the pg_dump patterns of the profile), whatever the kind. */
  scope: TableScope;
  /** Count large objects for the manifest. */
  countLargeObjects: boolean;
}

/** How the native engine runs a step (also kept on pg_dump steps, for the fallback). */
export interface NativeOptions {
  noOwner: boolean;
  noPrivileges: boolean;
  jobs: number;
  skipUnreadable: boolean;
  noRolePasswords: boolean;
  lockWaitTimeout: string | null;
  /** Write optimizer statistics (profile `statistics: true`; PostgreSQL 18); absent: none, as pg_dump 18. */
  statistics?: true;
  /** `split`: parts under the entry's name without `.sql` (see engines/native/split/write-split.ts); absent: one SQL file. */
  layout?: 'split';
}

/** A step run by pg_dump / pg_dumpall as a subprocess. */
export interface PgDumpPlanStep extends PlanStepBase {
  engine: 'pg_dump';
  tool: ToolInfo;
  /** argv after the program, without the run-time arguments (snapshot, directory path). */
  args: readonly string[];
  /** Environment added for the child; never holds a secret (PGPASSWORD is added by the executor). */
  env: Readonly<Record<string, string>>;
  /** Engine `auto`: when the tool fails for lack of privilege, fall back (globals: --no-role-passwords, then native). */
  fallback: boolean;
  /** What the native engine would use if it took over. */
  nativeOptions: NativeOptions;
}

/** A step run by pgbak's native engine: catalog and COPY through the driver, plain SQL out. */
export interface NativePlanStep extends PlanStepBase {
  engine: 'native';
  /** Why native runs when the profile said auto (no compatible pg_dump…); null when asked for. */
  reason: string | null;
  options: NativeOptions;
}

/** One unit of work: a step of the profile for one database (or the cluster). */
export type PlanStep = PgDumpPlanStep | NativePlanStep;

/**
 * A place the archive goes. A bucket gets its upload's sizes once the run (or `plan`)
 * has estimated the archive's size (run/upload-plan.ts); compile leaves them out.
 */
export type PlannedStorage = LocalStorage | (S3Storage & { upload?: UploadSizes });

/** What `run` will do: pure data, printed by `plan`, executed by the engine. */
export interface Plan {
  profile: { name: string; file: string; origin: 'built-in' | 'user'; sha256: string };
  connection: PublicConnection;
  server: PgVersion;
  outputDir: string;
  /**
   * File name of the finished zip inside outputDir: `<profile>-<database>-<time>.zip`,
   * with `all` for a `databases: all` run that dumps several, `<n>-databases` for a list.
   */
  archiveName: string;
  /**
   * Every place the archive goes, written at once: local folders, and buckets whose
   * prefix has its placeholders replaced (the object's key is prefix + archiveName).
   */
  storage: PlannedStorage[];
  /**
   * age encryption of the archive (profile `encryption:`); absent: none. Public facts only
   * (recipients are public keys, a passphrase is named by where it comes from); the run
   * takes the passphrase itself from its RunConfig. With it, archiveName ends in `.zip.age`.
   */
  encryption?: PlannedEncryption;
  /**
   * The databases the run backs up, in step order: its retention groups and its run
   * locks. The connection's database for a run of cluster-wide steps only.
   */
  databases: string[];
  /** A step dumps every database of the server (`databases: all`) into this one archive. */
  allDatabases: boolean;
  /** This plan is one archive of a per-database run (manifest `fleet`). */
  fleet?: ManifestFleet;
  rowCounts: RowCountMode;
  /** Store each dumped database's schema model for `pgbak compare` (profile `schemaModel`, `--no-schema-model`). */
  schemaModel: boolean;
  /** Deflate level for entries pg_dump left uncompressed (0 stores them). */
  zipCompressionLevel: number;
  /** Restore-test the backup right after writing it (profile `verify`, or `run --verify`). */
  verify: boolean;
  /** The profile's retention, applied after a successful (and, if asked, verified) run. */
  retention: RetentionPolicy | null;
  /** Present when the profile signs its archives: which key (its id and file, never the key). */
  signing?: PlanSigning;
  steps: readonly PlanStep[];
}

/** How a run signs its manifest (profile `signing`). */
export interface PlanSigning {
  algorithm: 'ed25519';
  /** `sha256:<hex>` of the public key. */
  keyId: string;
  /** Path of the private key file (the path only). */
  keyFile: string;
}

/** How the archive is encrypted, as `plan` shows it. */
export type PlannedEncryption =
  | { kind: 'age-recipients'; recipients: string[] }
  | { kind: 'age-passphrase'; source: string };
