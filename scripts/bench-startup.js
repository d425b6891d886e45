// Start-up cost of two pgbak builds side by side: `pgbak run full` of an empty
// database, alternating this checkout's build with PGBAK_BENCH_BASELINE (the
// bin/pgbak.js of another checkout, built), median of PGBAK_BENCH_REPS (7) runs.
//   git worktree add ../base <commit> && (cd ../base && npm ci && npm run build)
//   npm run build && PGBAK_BENCH_BASELINE=../base/bin/pgbak.js node scripts/bench-startup.js
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, median } from './lib/measure.js';
import { startThrowawayPostgres } from './lib/throwaway-postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const baseline = process.env.PGBAK_BENCH_BASELINE;
if (!baseline) throw new Error('set PGBAK_BENCH_BASELINE to the bin/pgbak.js of the build to compare with');
const reps = Number(process.env.PGBAK_BENCH_REPS ?? 7);
const pg = await startThrowawayPostgres({ settings: ['fsync=off'] });
const env = { ...process.env, ...pg.env, NO_COLOR: '1' };
try {
  await pg.createDatabase('empty');
  const out = join(root, '.bench', 'startup');
  const times = { current: [], baseline: [] };
  for (let i = 0; i < reps; i++) {
    for (const [name, bin] of [['current', join(root, 'bin', 'pgbak.js')], ['baseline', resolve(baseline)]]) {
      times[name].push((await measure(process.execPath, [bin, 'run', 'full', '--database', 'empty', '--output-dir', out, '--quiet'], { env })).seconds);
      await rm(out, { recursive: true, force: true });
    }
  }
  console.log(`| empty database, pgbak run full | baseline ${median(times.baseline).toFixed(3)} s | this build ${median(times.current).toFixed(3)} s | +${(median(times.current) - median(times.baseline)).toFixed(3)} s |`);
} finally {
  await pg.stop();
}
