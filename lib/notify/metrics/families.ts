// The metric families pgbak exposes, in the order they are written. Names follow the
// Prometheus conventions: base units (seconds, bytes), `_timestamp_seconds` for points
// in time (Unix seconds), no `_total` (none is a counter: each is the state after the
// newest run). Every series has the labels `profile`, `database` and `host`: one
// series per backup group, so the cardinality is that of the groups, never of runs.

/** One family: its name and its HELP text (all are gauges). */
export interface MetricFamily {
  name: string;
  help: string;
}

function family(name: string, help: string): MetricFamily {
  return { name, help };
}

/** What the textfile and the Pushgateway get after a run, and status prints too. */
export const RUN_FAMILIES = {
  lastSuccess: family('pgbak_last_success_timestamp_seconds', 'Start of the newest successful backup run (the moment its data is from), Unix time.'),
  lastFailure: family('pgbak_last_failure_timestamp_seconds', 'When the newest failed run of this profile and database failed, Unix time.'),
  lastRunSuccess: family('pgbak_last_run_success', '1 when the newest run of this profile and database wrote its backup, 0 when it failed.'),
  lastRunDuration: family('pgbak_last_run_duration_seconds', 'How long the newest run took, successful or not.'),
  lastBackupSize: family('pgbak_last_backup_size_bytes', 'Size of the newest successful backup (the zip that holds this database).'),
  lastBackupTables: family('pgbak_last_backup_tables', 'Tables of this database in the newest successful backup (absent with rowCounts: off).'),
  lastVerified: family('pgbak_last_verified_timestamp_seconds', 'Start of the newest backup run whose backup passed a restore test (verify), Unix time.'),
} as const;

/** What `pgbak status --format prometheus` adds: judged from the repository when status ran. */
export const STATUS_FAMILIES = {
  backups: family('pgbak_backups', 'Readable backups of this profile and database in the repository.'),
  lastSuccessAge: family('pgbak_last_success_age_seconds', 'Age of the newest successful backup when pgbak status ran.'),
  stale: family('pgbak_stale', '1 when the newest successful backup is older than pgbak_max_age_seconds or there is none (status --max-age).'),
  maxAge: family('pgbak_max_age_seconds', 'The --max-age pgbak status judged staleness by.'),
  previousBackupSize: family('pgbak_previous_backup_size_bytes', 'Size of the backup before the newest one (the size trend: compare with pgbak_last_backup_size_bytes).'),
  shrunk: family('pgbak_backup_shrunk', '1 when the newest backup is smaller than the status --shrink-below share (default half) of the one before it.'),
} as const;

/** Every family pgbak writes, in output order. */
export const ALL_FAMILIES: readonly MetricFamily[] = [...Object.values(RUN_FAMILIES), ...Object.values(STATUS_FAMILIES)];

/** The labels that name a backup group, in the order they are written. */
export const GROUP_LABELS = ['profile', 'database', 'host'] as const;
