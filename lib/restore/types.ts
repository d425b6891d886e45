import type { DecryptionKeys } from '../crypto/age/index.js';
import type { ConnectionFlags } from '../config/resolve-connection.js';
import type { Env } from '../config/env-file.js';
import type { PgbakLogger } from '../log/index.js';
import type { DumpFormat, ManifestDatabaseDefinition, ManifestStep } from '../archive/index.js';
import type { Authenticity } from './authenticity.js';

/** What `restoreArchive` accepts; the CLI fills it from flags. */
export interface RestoreOptions {
  /** Path of the backup zip. */
  archive: string;
  /** Target database; default: the database the entry was dumped from. Only with one selected database. */
  target?: string | undefined;
  /** Restore only this entry (its name in the zip, or a directory dump's prefix). */
  entry?: string | undefined;
  /** Restore only the entries of this source database. */
  database?: string | undefined;
  /** Restore the globals-only entry (roles, tablespaces) into the maintenance database. */
  globals?: boolean;
  /** Create the target database when it does not exist. */
  create?: boolean;
  /** Drop objects before recreating them (pg_restore --clean --if-exists). */
  clean?: boolean;
  dataOnly?: boolean;
  schemaOnly?: boolean;
  /** pg_restore --table (a bare name, or `schema.table`); repeatable. */
  tables?: readonly string[];
  /** pg_restore --schema; repeatable. */
  schemas?: readonly string[];
  noOwner?: boolean;
  noPrivileges?: boolean;
  /** pg_restore --disable-triggers: a data-only restore into tables with foreign keys (superuser). */
  disableTriggers?: boolean;
  /**
   * Parallel jobs: pg_restore's for custom and directory entries (the entry is extracted
   * first), pgbak's own for a native dump in the split layout; a single-file native dump
   * is restored serially (with a warning).
   */
  jobs?: number | undefined;
  /** Run without --single-transaction (psql and pg_restore; pg_restore --jobs never has one). */
  noSingleTransaction?: boolean;
  /**
   * Who runs plain SQL entries: `auto` (default) uses psql when a usable one is
   * installed and pgbak's native loader otherwise; `native` always uses the loader.
   */
  loader?: RestoreLoader | undefined;
  /** Restore into a database that already holds user tables. */
  force?: boolean;
  /** Print the commands, run nothing. */
  dryRun?: boolean;
  /** Database to connect to for CREATE DATABASE, checks and globals (default `postgres`). */
  maintenanceDb?: string | undefined;
  /**
   * Files of Ed25519 public keys (`signing.pub`; a file may hold several): the archive must be
   * signed by one of them, or nothing is restored (exit 3). Default: PGBAK_VERIFY_KEY_FILE; none: not checked.
   */
  verifyKeyFiles?: readonly string[] | undefined;
  cwd?: string;
  env?: Env;
  envFile?: string | undefined;
  /** Keys for an archive encrypted with age (`.zip.age`): `--identity`, `--passphrase-file`; else the environment. */
  keys?: DecryptionKeys | undefined;
  connection?: ConnectionFlags;
  logger?: PgbakLogger;
  /** Aborting stops the tool (SIGTERM, then SIGKILL) and removes temp dirs. */
  signal?: AbortSignal;
}

/** Who runs plain SQL entries (see {@link RestoreOptions.loader}). */
export type RestoreLoader = 'auto' | 'native';

/** One unit of restore work: one manifest step of the archive. */
export interface RestoreItem {
  /** Step name in the manifest. */
  step: string;
  /** Source database, or null for the globals entry. */
  database: string | null;
  format: DumpFormat;
  /** Where the step's output lies in the zip. */
  input: RestoreInput;
  /** Database restored into (the maintenance database for globals). */
  target: string;
  /** pg_dump version that wrote it (pg_restore must be at least as new). */
  dumpVersion: string;
  /** The step's kind (absent in items made by hand): a data-only dump's tables are not created by the restore. */
  kind?: ManifestStep['kind'];
  /** What wrote it (absent: pg_dump, in items made by hand). */
  engine?: 'pg_dump' | 'native';
  /** The dumped database itself (native engine, whole-database steps): what --create gives the target. */
  databaseDefinition?: ManifestDatabaseDefinition;
}

/** One part of a split native dump (see engines/native/split/write-split.ts). */
export interface SplitInputPart {
  /** Entry name in the zip. */
  name: string;
  role: 'script' | 'pre-data' | 'data' | 'post-data' | 'toc';
  /** `data` parts of one table, named as in the manifest's row counts. */
  table?: string;
  /** Uncompressed size: the biggest tables load first. */
  bytes: number;
  /** The manifest's sha256 of the entry: a table's rows are checked against it while they load. */
  sha256: string;
}

/** A step's output inside the zip: one entry, or a directory dump under a prefix. */
export type RestoreInput =
  | { type: 'entry'; name: string; /** gunzip while streaming (a plain `.sql.gz`). */ gunzip: boolean }
  | { type: 'directory'; prefix: string; entries: string[] }
  /** A native dump in the split layout: parts under `prefix`, loaded by pgbak (in parallel with --jobs). */
  | { type: 'split'; prefix: string; entries: string[]; parts: SplitInputPart[] };

/** One command a restore runs (or, with --dry-run, would run). */
export interface RestoreCommand {
  /** argv, program first; never holds a secret. */
  argv: string[];
  /** Environment added for the child, PGPASSWORD shown as `<redacted>` when one is set. */
  env: Record<string, string>;
  /** Where stdin comes from: an entry of the zip, or nothing. */
  stdin: string | null;
  /** Set when pgbak's native loader runs the entry instead of a program (argv and env are then empty). */
  loader?: {
    name: 'pgbak native loader';
    database: string;
    /** `user@host:port`, no secret. */
    server: string;
    singleTransaction: boolean;
    stopOnError: boolean;
    /** Split layout: connections loading tables and building indexes at once. */
    jobs?: number;
  };
}

/** The outcome of one restored item. */
export interface RestoredItem {
  step: string;
  database: string | null;
  target: string;
  format: DumpFormat;
  tool: string;
  created: boolean;
  durationMs: number;
  /** Non-fatal problems (psql errors of a globals restore, pg_restore warnings). */
  warnings: string[];
}

/** What `restoreArchive` reports (`--json` prints it). */
export interface RestoreSummary extends Authenticity {
  ok: true;
  archive: string;
  dryRun: boolean;
  /** With --dry-run: SQL run on the maintenance database before the tools (CREATE DATABASE). */
  sql: string[];
  /** With --dry-run: what would run. */
  commands: RestoreCommand[];
  items: RestoredItem[];
  durationMs: number;
}
