// A PostgreSQL cluster in Docker (testcontainers), for machines that ask for it.
import { randomBytes } from 'node:crypto';
import type { ClusterInfo } from './cluster-info.js';
import type { StartedCluster } from './clusters.js';
import { LIGHT_SETTINGS, toServerFlags } from './server-settings.js';

const PROBE_TIMEOUT_MS = 10_000;

/** Whether a Docker (or compatible) engine answers; never throws. */
export async function isDockerReachable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
    });
    await Promise.race([getContainerRuntimeClient(), timeout]).finally(() => clearTimeout(timer));
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs the official `postgres:<major>` image. Testcontainers' Ryuk sidecar removes
 * the container if this process dies without stopping it.
 */
export async function startDockerCluster(major: number): Promise<StartedCluster> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const password = randomBytes(18).toString('base64url');
  const container = await new PostgreSqlContainer(`postgres:${major}`)
    .withUsername('postgres')
    .withPassword(password)
    .withDatabase('postgres')
    // The image's defaults already listen on all interfaces and require a scram password.
    .withEnvironment({ POSTGRES_INITDB_ARGS: '--encoding=UTF8 --locale=C' })
    .withCommand(['postgres', ...toServerFlags(LIGHT_SETTINGS)])
    .start();
  const info: ClusterInfo = {
    major,
    kind: 'docker',
    host: container.getHost(),
    port: container.getPort(),
    user: 'postgres',
    password,
    containerId: container.getId(),
  };
  return { info, stop: async () => void (await container.stop()) };
}
