// Two pgbak builds side by side: this checkout's and PGBAK_BENCH_BASELINE (the
// bin/pgbak.js of another checkout, built), alternating, median of
// PGBAK_BENCH_REPS (7) runs of `pgbak run full`: on an empty database (start-up
// cost), and with PGBAK_BENCH_SCALE > 0 also on pgbench data with exact row counts.
//   git worktree add ../base <commit> && (cd ../base && npm ci && npm run build)
//   npm run build && PGBAK_BENCH_BASELINE=../base/bin/pgbak.js node scripts/bench-builds.js
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, median } from './lib/measure.js';
import { startThrowawayPostgres } from './lib/throwaway-postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const baseline = process.env.PGBAK_BENCH_BASELINE;
if (!baseline) throw new Error('set PGBAK_BENCH_BASELINE to the bin/pgbak.js of the build to compare with');
const reps = Number(process.env.PGBAK_BENCH_REPS ?? 7);
const scale = Number(process.env.PGBAK_BENCH_SCALE ?? 0);
const pg = await startThrowawayPostgres({ settings: ['fsync=off', 'synchronous_commit=off', 'shared_buffers=512MB'] });
const env = { ...process.env, ...pg.env, NO_COLOR: '1' };
const builds = [['this build', join(root, 'bin', 'pgbak.js')], ['baseline', resolve(baseline)]];

async function compareOn(database, label, extra) {
  const out = join(root, '.bench', 'builds');
  const times = new Map(builds.map(([name]) => [name, []]));
  for (let i = 0; i < reps; i++) {
    for (const [name, bin] of i % 2 ? [...builds].reverse() : builds) {
      times.get(name).push((await measure(process.execPath, [bin, 'run', 'full', '--database', database, ...extra, '--output-dir', out, '--quiet'], { env })).seconds);
      await rm(out, { recursive: true, force: true });
    }
  }
  const now = median(times.get('this build'));
  const before = median(times.get('baseline'));
  console.log(`| ${label} | ${before.toFixed(3)} s | ${now.toFixed(3)} s | ${(now - before >= 0 ? '+' : '') + (now - before).toFixed(3)} s | ${(now / before).toFixed(3)} |`);
}

try {
  console.log(`Command: \`PGBAK_BENCH_BASELINE=${baseline} PGBAK_BENCH_REPS=${reps} PGBAK_BENCH_SCALE=${scale} node scripts/bench-builds.js\``);
  console.log('\n| pgbak run full | baseline | this build | difference | ratio |\n|---|---|---|---|---|');
  await pg.createDatabase('empty');
  await compareOn('empty', 'empty database (start-up cost)', []);
  if (scale > 0) {
    await pg.createDatabase('bench');
    const init = spawnSync('pgbench', ['-i', '-s', String(scale), '-q', 'bench'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (init.status !== 0) throw new Error('pgbench -i failed (is pgbench on PATH?)');
    await compareOn('bench', `pgbench scale ${scale}, custom, row counts exact`, ['--row-counts', 'exact']);
  }
} finally {
  await pg.stop();
}
