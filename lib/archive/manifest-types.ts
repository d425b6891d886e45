// The manifest is `manifest.json` inside every archive: what was backed up, from
// where, by which tool, and how to check it. It never contains a password.
// Adding an optional field keeps formatVersion 1 (older readers ignore it); changing
// or removing one bumps formatVersion.

/** The manifest format this pgbak writes and reads. */
export const MANIFEST_FORMAT_VERSION = 1;
/** Name of the manifest entry inside the archive. */
export const MANIFEST_ENTRY = 'manifest.json';
/** Name of the run log entry inside the archive. */
export const LOG_ENTRY = 'pgbak.log';

/** What a step backs up (the profile step kinds). */
export type StepKind = 'full' | 'schema-only' | 'data-only' | 'tables' | 'large-objects' | 'globals-only';
/** pg_dump output format of a step. */
export type DumpFormat = 'plain' | 'custom' | 'tar' | 'directory';
/** What produced a step's output: the PostgreSQL client tool, or pgbak's own catalog reader. */
export type DumpEngine = 'pg_dump' | 'native';
/** How row counts were taken: `exact` (count(*)), `estimate` (pg_class.reltuples), or not at all. */
export type RowCountMode = 'exact' | 'estimate' | 'off';

/** The whole manifest of one run. */
export interface Manifest {
  /** Manifest format; readers refuse a format they do not know. */
  formatVersion: typeof MANIFEST_FORMAT_VERSION;
  /** The pgbak that wrote the archive. */
  pgbak: { /** pgbak's package version. */ version: string };
  /** The profile the run followed. */
  profile: ManifestProfile;
  /** The server backed up. */
  source: ManifestSource;
  /** When the run started, ISO 8601 UTC (`…Z`). */
  startedAt: string;
  /** When the last step finished, ISO 8601 UTC. */
  finishedAt: string;
  /** Only complete runs get a manifest: a failed run leaves no archive. */
  status: 'complete';
  /** One record per profile step, in execution order. */
  steps: ManifestStep[];
  /**
   * Present when a step dumped every database the server had (`databases: all`):
   * a database missing from this run no longer exists there, or was excluded.
   */
  allDatabases?: true;
  /**
   * Present in the archives of a per-database run (one archive per database of a
   * `databases:` list or `all`): the run they belong to.
   */
  fleet?: ManifestFleet;
  /** Where the run log is inside the archive. */
  log: { /** Entry name of the log, normally `pgbak.log`. */ entry: string };
  /**
   * Present when the run signed the archive: the detached signature of this manifest's
   * exact bytes is the entry named here (it cannot be in the manifest itself), made
   * by the key with this id. Absent in unsigned archives and those of an older pgbak.
   */
  signing?: ManifestSigning;
}

/** The per-database run an archive is one of. */
export interface ManifestFleet {
  /** When the whole run started (every archive of the run has the same), ISO 8601 UTC. */
  startedAt: string;
  /** Every database the run backed up (each in its own archive): one missing from a newer `all` run is gone. */
  databases: string[];
  /** The databases were `databases: all` (every database that accepts connections). */
  allDatabases?: true;
  /** This archive is the run's globals (pg_dumpall --globals-only), not a database. */
  globals?: true;
}

/** Who signed the manifest, and where the signature is. */
export interface ManifestSigning {
  algorithm: 'ed25519';
  /** `sha256:<hex>` of the signing key's SPKI public key. */
  keyId: string;
  /** The signature entry, `manifest.json.sig`. */
  entry: string;
}

/** The profile a run followed. */
export interface ManifestProfile {
  /** Profile name as given on the command line. */
  name: string;
  /** Shipped with pgbak or written by the user. */
  source: 'built-in' | 'user';
  /** Path of the profile file (for built-ins, relative to the package). */
  file: string;
  /** sha256 of the profile file's text, to tell later whether it changed. */
  sha256: string;
}

/** Connection facts about the server backed up; never a password. */
export interface ManifestSource {
  host: string;
  port: number;
  user: string;
  /** The database connected to (for globals-only runs, the maintenance database). */
  database: string;
  /** libpq sslmode in effect, when one was set. */
  sslmode?: string;
  /** The profile's name for the server (`connections[i].name`): what `{host}` was, and the host status shows. */
  server?: string;
  serverVersion: {
    /** `server_version` as the server reports it, e.g. "16.4 (Debian 16.4-1)". */
    text: string;
    /** Major version, e.g. 16. */
    major: number;
    /** Minor version, e.g. 4. */
    minor: number;
  };
}

/** One executed step. */
export interface ManifestStep {
  /** Step name from the profile. */
  name: string;
  kind: StepKind;
  /** Database dumped; null for cluster-wide steps (globals-only). */
  database: string | null;
  format: DumpFormat;
  engine: DumpEngine;
  /** Why this engine ran when it was not the one asked for (auto fell back to native). */
  engineReason?: string;
  /** What could not be read and so is not in the dump (native engine: role passwords, skipped tables). */
  omitted?: string[];
  /** The client program that ran (`pgbak` for the native engine). */
  tool: {
    /** e.g. `pg_dump` or `pg_dumpall`. */
    name: string;
    /** Absolute path of the executable. */
    path: string;
    /** Version it reported, e.g. "16.4". */
    version: string;
  };
  /** argv as executed (program first), secrets never included. */
  command: string[];
  /** ISO 8601 UTC. */
  startedAt: string;
  /** ISO 8601 UTC. */
  finishedAt: string;
  /** Exported snapshot the step dumped from, when one was shared between steps. */
  snapshot: string | null;
  /** Archive entries this step produced (several for directory format and the split layout); restore reads these. */
  entries: ManifestEntry[];
  /**
   * Native engine: `split` when the dump is written in parts (each entry has a `role`):
   * restore loads its tables and builds its indexes in parallel. Absent: one SQL file.
   */
  layout?: 'split';
  /**
   * The schema model of the database as the step saw it (same snapshot), stored
   * beside the dump for `pgbak compare`; restore ignores it. Absent for globals and
   * large-object steps, when it could not be read (see `warnings`), and in archives
   * of a pgbak that did not store it.
   */
  schemaModel?: ManifestSchemaModel;
  /** Row counts taken at backup time, for verify; null when the step has no table data. */
  rowCounts: ManifestRowCounts | null;
  /**
   * Sequence states read in the step's snapshot, keyed by display name (`public.orders_id_seq`);
   * null when not collected. Sequences are not transactional: on a busy database this is
   * not the value the dump sets (read a moment apart), so verify does not compare with it.
   */
  sequences: Record<string, ManifestSequence> | null;
  /**
   * The value each `setval` of the dump sets, keyed like `sequences`: what a restore
   * brings back, and what verify compares with. Written by the native engine, which
   * writes the setval statements itself; absent for pg_dump steps (verify reads
   * pg_dump's SEQUENCE SET entries from the dump) and in archives of an older pgbak.
   */
  dumpedSequences?: Record<string, ManifestSequence>;
  /**
   * The database itself, as `pg_dump --create` writes it (its DATABASE and DATABASE
   * PROPERTIES entries): what `pgbak restore --create` gives the database it creates.
   * Written by the native engine for a dump of the whole database (`full`,
   * `schema-only`, not narrowed by schemas or tables, as pg_dump); absent otherwise
   * and in archives of an older pgbak.
   */
  databaseDefinition?: ManifestDatabaseDefinition;
  /** Number of large objects; null when not counted. */
  largeObjects: number | null;
  /** Warnings the tool printed or pgbak noticed, one line each. */
  warnings: string[];
}

/**
 * A database's own properties as pg_dump's dumpDatabase reads them from `pg_database`,
 * `pg_db_role_setting`, `pg_shdescription` and `pg_shseclabel`. Role names are names,
 * not OIDs: the restore writes them into SQL with the one quoting function.
 */
export interface ManifestDatabaseDefinition {
  /** Owner (`datdba`). */
  owner: string;
  /** Server encoding name, e.g. `UTF8` (`pg_encoding_to_char(encoding)`). */
  encoding: string;
  /** `libc` (before 15 always), `icu` (15+) or `builtin` (17+). */
  localeProvider: 'libc' | 'icu' | 'builtin';
  /** `datcollate`, `datctype`. */
  collate: string;
  ctype: string;
  /** ICU locale (15, 16: `daticulocale`) or the provider's locale (17+: `datlocale`); null when none. */
  locale: string | null;
  /** ICU tailoring rules (16+: `daticurules`); null when none. */
  icuRules: string | null;
  /** Default tablespace when not `pg_default`, else null. */
  tablespace: string | null;
  /** `datconnlimit`; -1 is no limit. */
  connectionLimit: number;
  isTemplate: boolean;
  /** `COMMENT ON DATABASE`; null when none. */
  comment: string | null;
  securityLabels: Array<{ provider: string; label: string }>;
  /** `datacl` as aclitem text; null when never changed (the default privileges). */
  acl: string[] | null;
  /** `acldefault('d', datdba)`: what the database starts with, the base its acl is compared with. */
  aclDefault: string[];
  /**
   * `ALTER DATABASE … SET` (role null) and `ALTER ROLE … IN DATABASE … SET` settings,
   * each as `pg_db_role_setting.setconfig` holds it (`name=value`), in pg_dump's order.
   */
  settings: Array<{ role: string | null; setting: string }>;
}

/** One archive entry with the facts needed to verify it. */
export interface ManifestEntry {
  /** Path inside the zip. */
  name: string;
  /** Uncompressed size in bytes. */
  bytes: number;
  /** sha256 of the uncompressed content, lowercase hex. */
  sha256: string;
  /** Deflated in the zip (false: stored, e.g. an already compressed custom-format dump). */
  compressed: boolean;
  /**
   * Split layout only: what the entry holds. `script` (the top-level psql script that
   * `\ir`s the others), `pre-data`, `data` (one table's COPY, or sequence values and
   * large objects when `table` is absent), `post-data` (indexes, constraints, triggers,
   * grants…), `toc` (the post-data items and their dependencies, JSON).
   */
  role?: PartRole;
  /** Split layout, `data` entries: the table, named as in `rowCounts` (`public.orders`, `"Weird Schema"."café"`). */
  table?: string;
}

/** The parts of a split native dump (see {@link ManifestEntry.role}). */
export type PartRole = 'script' | 'pre-data' | 'data' | 'post-data' | 'toc';

/** Where a step's schema model is in the archive, with the facts needed to trust it. */
export interface ManifestSchemaModel {
  /** Path inside the zip, `<step>/<database>.schema-model.json`; deflated JSON. */
  entry: string;
  /** Uncompressed size in bytes. */
  bytes: number;
  /** sha256 of the uncompressed content, lowercase hex. */
  sha256: string;
  /** Number of objects in the model. */
  objects: number;
  /** The schemas the model was limited to (the step's schema filter); null: every user schema. */
  schemas: string[] | null;
}

/** Row counts per table. */
export interface ManifestRowCounts {
  mode: RowCountMode;
  /** Keyed by the quoted identifier pair `"schema"."table"`; null when it could not be counted. */
  tables: Record<string, number | null>;
}

/** A sequence's state. */
export interface ManifestSequence {
  /** `last_value` as text (bigint does not fit a JSON number); null if never read. */
  lastValue: string | null;
  /** `is_called`: whether nextval() returns lastValue + increment (true) or lastValue. */
  isCalled: boolean;
}
