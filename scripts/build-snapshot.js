// Builds pgbak's V8 startup snapshot for the Node running this script (npm run build, after
// scripts/bundle-cli.js) into dist/snapshot/, where bin/pgbak looks for it; see
// scripts/snapshot/entry.cjs for what it holds. A blob fits one Node binary only: it is named
// after that binary's size and modification time (what bin/pgbak can read with stat(1), before
// any Node runs), and checked before it is given that name: a Node started from it must run a
// script given as bin/pgbak gives bin/pgbak.js (scripts/snapshot/check.cjs) with its arguments. Blobs of other Node binaries stay (CI builds
// on Node 20, then on Node 26); those of an earlier entry format (another .vN) go. Should Node
// fail to build or run it, the build fails (bin/pgbak would start without it, unnoticed):
// PGBAK_NO_SNAPSHOT=1 builds without one, as bin/pgbak then starts without one.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const folder = join(root, 'dist', 'snapshot');
const format = 'v1';
const key = snapshotKey(process.execPath);
const blob = join(folder, `node-${key}.${format}.blob`);
const temporary = `${blob}.${process.pid}.tmp`;

/** `<size>-<mtime in seconds>` of the Node binary: what bin/pgbak reads with `stat -L -c '%s-%Y'`. */
function snapshotKey(nodePath) {
  const stats = statSync(nodePath, { bigint: true });
  return `${stats.size}-${stats.mtimeNs / 1_000_000_000n}`;
}

if (process.env.PGBAK_NO_SNAPSHOT) {
  console.error('build-snapshot: PGBAK_NO_SNAPSHOT is set: no startup snapshot built');
  process.exit(0);
}

mkdirSync(folder, { recursive: true });
for (const name of readdirSync(folder)) {
  if (name.endsWith('.tmp') || (name.endsWith('.blob') && !name.endsWith(`.${format}.blob`))) rmSync(join(folder, name), { force: true });
}

// V8 flags in NODE_OPTIONS would be built into the blob (a Node without them refuses it);
// bin/pgbak uses the snapshot only without NODE_OPTIONS.
const env = { ...process.env };
delete env.NODE_OPTIONS;
const built = spawnSync(process.execPath, ['--snapshot-blob', temporary, '--build-snapshot', join(root, 'scripts', 'snapshot', 'entry.cjs')], { env, encoding: 'utf8' });
const check = built.status === 0
  ? spawnSync(process.execPath, ['--snapshot-blob', temporary, join(root, 'scripts', 'snapshot', 'check.cjs'), 'run', '--version'], { env, encoding: 'utf8' })
  : undefined;
if (check?.status === 0 && check.stdout === `pgbak startup snapshot: ${process.version} run --version\n`) {
  renameSync(temporary, blob);
} else {
  rmSync(temporary, { force: true });
  rmSync(blob, { force: true });
  const why = check ? `a Node started from it printed ${JSON.stringify(check.stdout.trim())} (exit ${check.status}): ${check.stderr.trim()}` : `node --build-snapshot failed (exit ${built.status}): ${built.stderr.trim()}`;
  console.error(`build-snapshot: cannot build a startup snapshot for Node ${process.version} (PGBAK_NO_SNAPSHOT=1 builds without one): ${why}`);
  process.exitCode = 1;
}
