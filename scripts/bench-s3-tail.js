// node scripts/bench-s3-tail.js [--scale N] [--rounds N] [--baseline DIR] [--profiles-dir DIR --profile NAME]
// (after npm run build): where a run to S3 spends its time, for a machine too busy for wall
// times (bench-storage.js is the figure on a quiet one). One throwaway PostgreSQL (pgbench -i
// -s N, default 50) and one loopback s3rver; `pgbak run full --format custom --storage s3://…`
// of this checkout and of a baseline build (another checkout's folder, built), alternating
// (A B, B A, …). Per run, from the run log's timestamps and /proc:
//   cpu       CPU-s of pgbak and its pg_dump (they hold on a busy machine, wall times do not);
//   gap       pg_dump's "saving database definition" → "dumping contents of table …": pg_dump
//             writes its first bytes in between, so a stall of pgbak's main thread at the
//             first byte (loading the AWS SDK there) shows here as pg_dump's own wait;
//   finishing "finishing" → "backup complete" (the last part, CompleteMultipartUpload, the checks);
//   tail      "finishing" → process exit (the run log's PUT and the exit included);
//   wall      start → exit (noise on a busy machine: read the paired differences).
// Prints the medians of each build and the median of the per-round differences.
// --profiles-dir/--profile: run that profile instead (its `storage:` then names the bucket,
// pgbak-tail, e.g. `- s3: { bucket: pgbak-tail, equalParts: false }`; no --storage is given).
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findTool } from './lib/bench-support.js';
import { measure, median } from './lib/measure.js';
import { startThrowawayPostgres } from './lib/throwaway-postgres.js';
import { startThrowawayS3 } from './lib/throwaway-s3.js';

const { values: flags } = parseArgs({
  options: {
    scale: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '11' },
    baseline: { type: 'string' },
    'profiles-dir': { type: 'string' },
    profile: { type: 'string', default: 'full' },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const builds = [...(flags.baseline ? [flags.baseline] : []), root];
const rounds = Number(flags.rounds);
const bucket = 'pgbak-tail';

const pg = await startThrowawayPostgres({ settings: ['fsync=off', 'synchronous_commit=off', 'max_wal_size=4GB', 'shared_buffers=512MB', 'autovacuum=off'] });
let s3;
const work = await mkdtemp(join(tmpdir(), 'pgbak-s3-tail-'));
try {
  s3 = await startThrowawayS3({ buckets: [bucket] });
  const pgDump = findTool('pg_dump');
  const env = { ...process.env, ...pg.env, ...s3.env, PGBAK_PG_BIN: dirname(pgDump), NO_COLOR: '1' };
  await pg.createDatabase('bench');
  console.error(`bench-s3-tail: pgbench -i -s ${flags.scale}…`);
  if (spawnSync(findTool('pgbench'), ['-i', '-s', flags.scale, '-q', 'bench'], { env, stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) throw new Error('pgbench -i failed');
  const profileArgs = flags['profiles-dir'] ? [flags.profile, '--profiles-dir', flags['profiles-dir']] : [flags.profile, '--format', 'custom'];
  const results = new Map(builds.map((build) => [build, []]));
  for (let i = 0; i < rounds; i++) {
    for (const build of i % 2 ? [...builds].reverse() : builds) {
      const logs = join(work, `logs-${i}-${results.get(build).length}-${builds.indexOf(build)}`);
      const storage = flags['profiles-dir'] ? [] : ['--storage', `s3://${bucket}/r${i}-${builds.indexOf(build)}/`];
      const args = [join(build, 'bin', 'pgbak.js'), 'run', ...profileArgs, '--database', 'bench', ...storage, '--output-dir', logs, '--verbose'];
      const run = await measure(process.execPath, args, { env });
      results.get(build).push(await phases(logs, run));
      await rm(logs, { recursive: true, force: true });
      console.error(`bench-s3-tail: round ${i + 1}/${rounds} ${build}: ${run.seconds.toFixed(2)} s`);
    }
  }
  const fields = ['cpu', 'gap', 'finishing', 'tail', 'wall'];
  console.log(`pgbench scale ${flags.scale}, ${rounds} rounds alternating, medians (s): ${fields.join(' / ')}`);
  for (const [build, runs] of results) console.log(`${build}: ${fields.map((f) => median(runs.map((r) => r[f])).toFixed(3)).join(' / ')}`);
  if (builds.length === 2) {
    const [a, b] = builds.map((build) => results.get(build));
    console.log(`this checkout − baseline, median of the per-round differences: ${fields.map((f) => `${f} ${signed(median(a.map((r, i) => b[i][f] - r[f])))}`).join(', ')}`);
  }
} finally {
  await s3?.stop();
  await pg.stop();
  await rm(work, { recursive: true, force: true });
}

async function phases(dir, run) {
  const log = (await readdir(dir)).find((name) => name.endsWith('.log'));
  const entries = (await readFile(join(dir, log), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const at = (prefix) => Date.parse(entries.find(({ message }) => String(message).startsWith(prefix))?.time ?? 'none');
  const finishing = at('finishing ');
  return {
    cpu: run.processCpuSeconds,
    gap: (at('pg_dump: dumping contents') - at('pg_dump: saving database definition')) / 1000,
    finishing: (at('backup complete') - finishing) / 1000,
    tail: (run.endedAt - finishing) / 1000,
    wall: run.seconds,
  };
}

function signed(x) {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
}
