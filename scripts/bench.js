// npm run bench: pgbak against the bare pg_dump it wraps, side by side in one run
// on one throwaway PostgreSQL (pgbench -i -s $PGBAK_BENCH_SCALE, default 50, about
// 750 MB). Runs alternate (bare, pgbak, bare, pgbak…) so drift hits both alike.
// Prints a Markdown report (also written to .bench/report.md) for BENCHMARKS.md.
// PGBAK_BENCH_ONLY=native runs only the native engine vs pg_dump -Fp section.
import { spawnSync } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTool, queryValue } from './lib/bench-support.js';
import { measure, median } from './lib/measure.js';
import { startThrowawayPostgres } from './lib/throwaway-postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const scale = Number(process.env.PGBAK_BENCH_SCALE ?? 50);
const reps = Number(process.env.PGBAK_BENCH_REPS ?? 3);
const startReps = Number(process.env.PGBAK_BENCH_START_REPS ?? 21);
const only = process.env.PGBAK_BENCH_ONLY ?? '';
if (only !== '' && only !== 'native') throw new Error(`PGBAK_BENCH_ONLY: expected native, got ${only}`);
const work = join(root, '.bench');
const pgbakBin = join(root, 'bin', 'pgbak.js');

const pg = await startThrowawayPostgres({ settings: ['fsync=off', 'synchronous_commit=off', 'max_wal_size=4GB', 'shared_buffers=512MB'] });
const env = { ...process.env, ...pg.env, NO_COLOR: '1' };
const lines = [];
const say = (line = '') => {
  lines.push(line);
  console.log(line);
};
try {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await pg.createDatabase('bench');
  await pg.createDatabase('empty');
  const pgDump = findTool('pg_dump');
  const pgbench = findTool('pgbench');
  console.error(`bench: pgbench -i -s ${scale} (this takes a while)…`);
  const init = spawnSync(pgbench, ['-i', '-s', String(scale), '-q', 'bench'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (init.status !== 0) throw new Error('pgbench -i failed');
  const size = await queryValue(pg, 'bench', `SELECT pg_size_pretty(pg_database_size('bench'))`);

  if (only !== 'native') {
    say(`## pgbak run vs bare pg_dump — ${new Date().toISOString().slice(0, 10)}`);
    say();
    say(`Command: \`PGBAK_BENCH_SCALE=${scale} PGBAK_BENCH_REPS=${reps} npm run bench\``);
    say(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; PostgreSQL 15 (embedded), ${pgDump}`);
    say(`Database: pgbench scale ${scale}, ${size}. Median of ${reps} alternating runs (${startReps} for the empty database); peak memory is the VmHWM of the measured process itself.`);
    say();
    say('| case | bare pg_dump | pgbak run | pgbak / bare | bare peak RSS | pgbak peak RSS | output |');
    say('|---|---|---|---|---|---|---|');
    for (const format of ['custom', 'plain']) {
      for (const rowCounts of format === 'custom' ? ['exact', 'estimate', 'off'] : ['exact']) {
        const bare = [];
        const wrapped = [];
        let bytes = 0;
        for (let i = 0; i < reps; i++) {
          const out = join(work, `bare.${format}`);
          bare.push(await measure(pgDump, ['--format', format, '--blobs', '--file', out, 'bench'], { env }));
          const zipBytes = (await stat(out)).size;
          await rm(out, { force: true });
          const dir = join(work, `pgbak-${i}`);
          wrapped.push(await measure(process.execPath, [pgbakBin, 'run', 'full', '--database', 'bench', '--format', format, '--row-counts', rowCounts, '--output-dir', dir, '--quiet'], { env }));
          bytes = zipBytes;
          await rm(dir, { recursive: true, force: true });
        }
        const b = median(bare.map((r) => r.seconds));
        const w = median(wrapped.map((r) => r.seconds));
        say(`| ${format}, row counts ${rowCounts} | ${b.toFixed(2)} s | ${w.toFixed(2)} s | ${(w / b).toFixed(3)} | ${Math.max(...bare.map((r) => r.peakMiB)).toFixed(0)} MiB | ${Math.max(...wrapped.map((r) => r.peakMiB)).toFixed(0)} MiB | ${(bytes / 2 ** 20).toFixed(0)} MiB |`);
      }
    }
    // Fixed start-up cost: both on an empty database; the difference is pgbak's own cost.
    // Runs this short need many repetitions for a stable median (PGBAK_BENCH_START_REPS, default 21).
    const bare = [];
    const wrapped = [];
    for (let i = 0; i < startReps; i++) {
      bare.push(await measure(pgDump, ['--format', 'custom', '--file', join(work, 'empty.dump'), 'empty'], { env }));
      wrapped.push(await measure(process.execPath, [pgbakBin, 'run', 'full', '--database', 'empty', '--output-dir', join(work, 'empty'), '--quiet'], { env }));
      await rm(join(work, 'empty'), { recursive: true, force: true });
    }
    const b = median(bare.map((r) => r.seconds));
    const w = median(wrapped.map((r) => r.seconds));
    // CPU time of the process and the children it waited for: steadier than wall time on a busy machine.
    const cpu = (runs) => median(runs.map((r) => r.processCpuSeconds)).toFixed(2);
    say(`| empty database (start-up cost), custom | ${b.toFixed(3)} s | ${w.toFixed(3)} s | +${(w - b).toFixed(3)} s | ${Math.max(...bare.map((r) => r.peakMiB)).toFixed(0)} MiB | ${Math.max(...wrapped.map((r) => r.peakMiB)).toFixed(0)} MiB | CPU ${cpu(bare)} s / ${cpu(wrapped)} s |`);
  }
  if (only === 'native') {
    say(`Command: \`PGBAK_BENCH_ONLY=native PGBAK_BENCH_SCALE=${scale} PGBAK_BENCH_REPS=${reps} node scripts/bench.js\` (after npm run build)`);
    say(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; PostgreSQL 15 (embedded), ${pgDump}`);
  }
  await benchNative(pgDump);
  await writeFile(join(work, 'report.md'), `${lines.join('\n')}\n`);
} finally {
  await pg.stop();
}

// The native engine (catalog + COPY through the driver) against pg_dump -Fp, after
// adding wide rows (JSONB, bytea) to the pgbench data. Row counts off, so both
// sides do the same work; pgbak's zip deflates the SQL at level 1 (default) or
// stores it (zipCompressionLevel: 0, a profile of its own).
async function benchNative(pgDump) {
  await queryValue(pg, 'bench', `CREATE TABLE wide AS SELECT g AS id,
      jsonb_build_object('n', g, 'tags', jsonb_build_array('a' || g, 'b' || g), 'text', repeat(md5(g::text), 8)) AS doc,
      decode(repeat(md5((g * 7)::text), 32), 'hex') AS blob
    FROM generate_series(1, ${Math.max(1000, scale * 4000)}) g`);
  const size = await queryValue(pg, 'bench', `SELECT pg_size_pretty(pg_database_size('bench'))`);
  const profiles = join(work, 'profiles');
  await mkdir(profiles, { recursive: true });
  await writeFile(join(profiles, 'stored.yaml'), 'zipCompressionLevel: 0\nsteps:\n  - kind: full\n');
  say();
  say(`### native engine vs pg_dump -Fp (database with wide JSONB/bytea rows added: ${size})`);
  say();
  say(`Machine CPU-s: busy time of all ${cpus().length} cores during the run (the server backends included); ÷ ${cpus().length} it is the least wall time any parallelism can reach.`);
  say();
  say('| case | pg_dump -Fp | pgbak native | native / pg_dump | pg_dump peak RSS | pgbak peak RSS | machine CPU-s pg_dump | machine CPU-s native | native floor (CPU-s ÷ cores) |');
  say('|---|---|---|---|---|---|---|---|---|');
  const cases = [
    ['jobs 1, zip deflate level 1', ['full', '--jobs', '1']],
    ['jobs 1, zip stored', ['stored', '--profiles-dir', profiles, '--jobs', '1']],
    ['jobs 2, zip deflate level 1', ['full', '--jobs', '2']],
  ];
  for (const [label, profileArgs] of cases) {
    const bare = [];
    const native = [];
    for (let i = 0; i < reps; i++) {
      const out = join(work, 'bare.sql');
      bare.push(await measure(pgDump, ['--format', 'plain', '--file', out, 'bench'], { env }));
      await rm(out, { force: true });
      const dir = join(work, `native-${i}`);
      native.push(await measure(process.execPath, [pgbakBin, 'run', ...profileArgs, '--engine', 'native', '--database', 'bench', '--row-counts', 'off', '--output-dir', dir, '--quiet'], { env }));
      await rm(dir, { recursive: true, force: true });
    }
    const b = median(bare.map((r) => r.seconds));
    const w = median(native.map((r) => r.seconds));
    const cpuBare = median(bare.map((r) => r.cpuSeconds));
    const cpuNative = median(native.map((r) => r.cpuSeconds));
    say(`| ${label} | ${b.toFixed(2)} s | ${w.toFixed(2)} s | ${(w / b).toFixed(3)} | ${Math.max(...bare.map((r) => r.peakMiB)).toFixed(0)} MiB | ${Math.max(...native.map((r) => r.peakMiB)).toFixed(0)} MiB | ${cpuBare.toFixed(2)} | ${cpuNative.toFixed(2)} | ${(cpuNative / cpus().length).toFixed(2)} s |`);
  }
}

