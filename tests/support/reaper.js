#!/usr/bin/env node
// Stops embedded test clusters whose Jest run is gone, so a crashed or killed
// run never leaves postgres processes behind. Plain JavaScript because it runs
// outside Jest (detached, plain `node`), where TypeScript is not compiled.
//
//   node reaper.js watch <clusters.json>  poll until the owner pid dies, then stop its
//                                         clusters and remove the run dir; exit when the
//                                         file disappears (normal teardown removed it)
//   node reaper.js sweep <tmpdir>         stop leftovers of earlier runs whose owner is dead
import { readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import path from 'node:path';

const RUN_DIR_PREFIX = 'pgbak-test-';
const POLL_MS = 1000;
const STOP_TIMEOUT_MS = 10_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the pid exists but belongs to someone else: still alive.
    return error.code === 'EPERM';
  }
}

// Guards against pid reuse: only signal a process whose command line names our data dir.
function isOurPostmaster(pid, dataDir) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dataDir);
  } catch {
    // No /proc (macOS): trust the pid only while the data dir's postmaster.pid agrees.
    try {
      return readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] === String(pid);
    } catch {
      return false;
    }
  }
}

async function stopPostmaster(pid, dataDir) {
  if (!pid || !dataDir || !isOurPostmaster(pid, dataDir)) return;
  // SIGINT is PostgreSQL's "fast" shutdown; SIGKILL only if it does not finish in time.
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

function readClustersFile(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

async function reap(file) {
  const run = readClustersFile(file);
  if (!run) return;
  for (const cluster of run.clusters ?? []) {
    if (cluster.kind === 'embedded') await stopPostmaster(cluster.pid, cluster.dataDir);
  }
  rmSync(run.rootDir, { recursive: true, force: true });
}

async function watch(file) {
  const run = readClustersFile(file);
  if (!run) return;
  for (;;) {
    await sleep(POLL_MS);
    if (!existsSync(file)) return;
    if (!isAlive(run.ownerPid)) {
      await reap(file);
      return;
    }
  }
}

async function sweep(dir) {
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(RUN_DIR_PREFIX)) continue;
    const file = path.join(dir, name, 'clusters.json');
    const run = readClustersFile(file);
    if (run && !isAlive(run.ownerPid)) {
      process.stderr.write(`pgbak tests: removing leftover test clusters in ${path.join(dir, name)}\n`);
      await reap(file);
    }
  }
}

const [command, target] = process.argv.slice(2);
if (command === 'watch' && target) await watch(target);
else if (command === 'sweep' && target) await sweep(target);
else {
  process.stderr.write('usage: reaper.js watch <clusters.json> | sweep <tmpdir>\n');
  process.exitCode = 2;
}
