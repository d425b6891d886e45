// Lifecycle of the clusters shared by one Jest run: started by global-setup,
// stopped by global-teardown, both in Jest's parent process.
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLUSTERS_FILE_ENV, RUN_DIR_PREFIX, type ClusterInfo, type ClustersFile } from './cluster-info.js';
import { chooseClusterKind, requestedMajors, startClusters, stopClusters, type StartedCluster } from './clusters.js';

const REAPER = fileURLToPath(new URL('./reaper.js', import.meta.url));

interface RunState {
  runDir: string;
  started: StartedCluster[];
}

// setup and teardown are separate module graphs for Jest; a global carries the state.
const STATE_KEY = Symbol.for('pgbak.test.run-state');
const holder = globalThis as typeof globalThis & { [STATE_KEY]?: RunState };

/**
 * Starts the requested clusters, writes their connection info to a 0600 JSON file
 * and exports its path as PGBAK_TEST_CLUSTERS_FILE. Returns what it started.
 */
export async function startRun(): Promise<ClusterInfo[]> {
  if (process.env[CLUSTERS_FILE_ENV]) {
    // Already started (by an outer run, or by hand for debugging): reuse as is.
    console.log(`pgbak tests: using clusters from ${process.env[CLUSTERS_FILE_ENV]}`);
    return [];
  }
  const majors = requestedMajors();
  spawnSync(process.execPath, [REAPER, 'sweep', os.tmpdir()], { stdio: 'inherit' });

  const runDir = await mkdtemp(path.join(os.tmpdir(), RUN_DIR_PREFIX));
  // As root, initdb and postgres run as the OS user `postgres`, which must traverse this dir.
  await chmod(runDir, 0o755);
  const file = path.join(runDir, 'clusters.json');
  const record: ClustersFile = { ownerPid: process.pid, rootDir: runDir, clusters: [] };
  const save = () => writeFile(file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await save();

  const kind = await chooseClusterKind();
  if (kind === 'embedded') {
    // Stops the clusters if this process dies without running globalTeardown (SIGKILL, OOM).
    const reaper = spawn(process.execPath, [REAPER, 'watch', file], { detached: true, stdio: 'ignore' });
    reaper.unref();
    record.reaperPid = reaper.pid;
    await save();
  }

  try {
    const started = await startClusters({
      majors,
      kind,
      rootDir: runDir,
      onStarted: async ({ info }) => {
        record.clusters.push(info);
        await save();
      },
    });
    holder[STATE_KEY] = { runDir, started };
  } catch (error) {
    await rm(runDir, { recursive: true, force: true });
    throw error;
  }
  process.env[CLUSTERS_FILE_ENV] = file;
  return record.clusters;
}

/** Stops what startRun started and removes its directory; a no-op otherwise. */
export async function stopRun(): Promise<void> {
  const state = holder[STATE_KEY];
  if (!state) return;
  delete holder[STATE_KEY];
  try {
    await stopClusters(state.started);
  } finally {
    // Removing the clusters file also ends the reaper's watch.
    await rm(state.runDir, { recursive: true, force: true });
    delete process.env[CLUSTERS_FILE_ENV];
  }
}
