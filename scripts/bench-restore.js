// node scripts/bench-restore.js: `pgbak restore --jobs 2` against bare createdb +
// `pg_restore -j 2` of the same custom-format dump (and, PGBAK_BENCH_CASES=split, of a
// native dump in the split layout against that same pg_restore), on one throwaway PostgreSQL
// (pgbench -i -s $PGBAK_BENCH_SCALE, default 50). Runs alternate so drift hits
// both alike. pgbak's time includes what bare pg_restore does not do: the sha256
// check of every entry (of a split dump: the schema before, each table's rows while
// they load) and, for custom, the extraction of the dump from the zip (a parallel
// restore needs a seekable file); the bare run's dump is extracted beforehand.
// Client CPU-s is the measured process's own CPU time and its children's (pg_restore's
// workers), not the server's: on a loaded machine the figure other processes blur least.
// Server CPU-s is the PostgreSQL server's over the run (the backends that served it, and
// the background processes: WAL writer, checkpointer…), read from /proc.
// Prints a Markdown report (also .bench/restore-report.md) for BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, median } from './lib/measure.js';
import { startThrowawayPostgres } from './lib/throwaway-postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const scale = Number(process.env.PGBAK_BENCH_SCALE ?? 50);
const reps = Number(process.env.PGBAK_BENCH_REPS ?? 3);
// Which pgbak archives are restored against the bare pg_restore: custom (pg_dump), split (native engine, layout split).
const cases = (process.env.PGBAK_BENCH_CASES ?? 'custom,split').split(',');
const loadBefore = loadavg().map((n) => n.toFixed(2)).join(' ');
const work = join(root, '.bench', 'restore');
const pgbakBin = join(root, 'bin', 'pgbak.js');
const bin = '/usr/lib/postgresql/15/bin';

// autovacuum off: a database just restored (750 MB of fresh rows) gets vacuumed and
// analyzed while the next measured restore runs, slowing whichever comes second.
const pg = await startThrowawayPostgres({ settings: ['fsync=off', 'synchronous_commit=off', 'max_wal_size=4GB', 'shared_buffers=512MB', 'autovacuum=off'] });
const env = { ...process.env, ...pg.env, PGDATABASE: 'postgres', PGBAK_PG_BIN: bin, NO_COLOR: '1' };
const lines = [];
const say = (line = '') => {
  lines.push(line);
  console.log(line);
};
try {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await pg.createDatabase('bench');
  console.error(`bench-restore: pgbench -i -s ${scale} (this takes a while)…`);
  run(tool('pgbench'), ['-i', '-s', String(scale), '-q', 'bench']);
  const backup = spawnSync(process.execPath, [pgbakBin, 'run', 'full', '--database', 'bench', '--output-dir', join(work, 'zip'), '--row-counts', 'off', '--json', '--quiet'], { env, encoding: 'utf8' });
  if (backup.status !== 0) throw new Error(`pgbak run failed: ${backup.stderr}`);
  const archive = JSON.parse(backup.stdout).archive;
  // The same dump, outside the zip, for the bare pg_restore.
  run('unzip', ['-q', '-o', archive, 'full/bench.dump', '-d', work]);
  const dump = join(work, 'full', 'bench.dump');
  const dumpBytes = (await stat(dump)).size;

  say(`## pgbak restore --jobs 2 vs bare pg_restore -j 2 — ${new Date().toISOString().slice(0, 10)}`);
  say();
  say(`Command: \`PGBAK_BENCH_SCALE=${scale} PGBAK_BENCH_REPS=${reps} PGBAK_BENCH_CASES=${cases.join(',')} node scripts/bench-restore.js\``);
  say(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; PostgreSQL 15 (embedded), ${bin}/pg_restore`);
  say(`Dump: pgbench scale ${scale}, custom format, ${(dumpBytes / 2 ** 20).toFixed(0)} MiB. Median of ${reps} runs, the order swapped each time, a CHECKPOINT before each, each restored database dropped at once, autovacuum off.`);
  say('pgbak\'s time includes the sha256 check of the archive (split: the schema before, each table\'s rows while they load) and, for custom, extracting the dump to a private temp dir; the bare run reads an already extracted file.');
  say('Client CPU-s: the measured process and the children it waited for (pg_restore\'s workers), not the server; server CPU-s: the PostgreSQL server\'s processes over the run (backends, WAL writer, checkpointer…); medians.');
  say();
  say('| case | bare createdb + pg_restore -j 2 | pgbak restore --create --jobs 2 | pgbak / bare | client CPU-s bare / pgbak | server CPU-s bare / pgbak | pgbak peak RSS | load before → after |');
  say('|---|---|---|---|---|---|---|---|');
  const postmaster = postmasterPid();
  // A restore leaves hundreds of MB of dirty buffers; whichever ran next would pay
  // for flushing them. A CHECKPOINT before each measured run, and the order
  // swapped every repetition, give both the same start.
  const checkpoint = () => run(tool('psql'), ['-X', '-q', '-c', 'CHECKPOINT', 'postgres']);
  const compare = async (label, pgbakArchive) => {
    const bare = [];
    const bareCpu = [];
    const wrapped = [];
    const bareServer = [];
    const wrappedServer = [];
    const load = loadavg()[0].toFixed(1);
    const runBare = async (i) => {
      checkpoint();
      const server = serverCpuSeconds(postmaster);
      const created = await measure(tool('createdb'), [`b${i}`], { env });
      const restored = await measure(tool('pg_restore'), ['-j', '2', '-d', `b${i}`, dump], { env });
      bareServer.push(serverCpuSeconds(postmaster) - server);
      bare.push(created.seconds + restored.seconds);
      bareCpu.push(created.processCpuSeconds + restored.processCpuSeconds);
      run(tool('dropdb'), [`b${i}`]);
    };
    const runPgbak = async (i) => {
      checkpoint();
      const server = serverCpuSeconds(postmaster);
      wrapped.push(await measure(process.execPath, [pgbakBin, 'restore', pgbakArchive, '--target', `r${i}`, '--create', '--jobs', '2', '--quiet'], { env: { ...env, PGBAK_TMPDIR: work } }));
      wrappedServer.push(serverCpuSeconds(postmaster) - server);
      run(tool('dropdb'), [`r${i}`]);
    };
    for (let i = 0; i < reps; i++) {
      if (i % 2 === 0) {
        await runBare(i);
        await runPgbak(i);
      } else {
        await runPgbak(i);
        await runBare(i);
      }
    }
    const b = median(bare);
    const w = median(wrapped.map((r) => r.seconds));
    const cpu = `${median(bareCpu).toFixed(2)} / ${median(wrapped.map((r) => r.processCpuSeconds)).toFixed(2)}`;
    const serverCpu = `${median(bareServer).toFixed(2)} / ${median(wrappedServer).toFixed(2)}`;
    say(`| ${label}, scale ${scale} | ${b.toFixed(2)} s | ${w.toFixed(2)} s | ${(w / b).toFixed(3)} | ${cpu} | ${serverCpu} | ${Math.max(...wrapped.map((r) => r.peakMiB)).toFixed(0)} MiB | ${load} → ${loadavg()[0].toFixed(1)} |`);
    say(`<!-- ${label}: bare ${bare.map((x) => x.toFixed(2)).join(' ')}; pgbak ${wrapped.map((r) => r.seconds.toFixed(2)).join(' ')} -->`);
  };
  if (cases.includes('custom')) await compare('custom', archive);
  if (cases.includes('split')) {
    // The same database dumped by the native engine in the split layout: pgbak loads its
    // tables and builds its indexes on two connections; the bare side is the same pg_restore -j 2.
    const split = spawnSync(process.execPath, [pgbakBin, 'run', 'full', '--engine', 'native', '--layout', 'split', '--database', 'bench', '--output-dir', join(work, 'zip-split'), '--row-counts', 'off', '--json', '--quiet'], { env, encoding: 'utf8' });
    if (split.status !== 0) throw new Error(`pgbak run --layout split failed: ${split.stderr}`);
    await compare('native split layout', JSON.parse(split.stdout).archive);
  }
  say();
  say(`Load average before the runs: ${loadBefore}; after: ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  const left = (await readdir(work)).filter((name) => name.startsWith('pgbak-restore-'));
  if (left.length > 0) throw new Error(`pgbak left temp dirs behind: ${left.join(', ')}`);
  await mkdir(join(root, '.bench'), { recursive: true });
  await writeFile(join(root, '.bench', 'restore-report.md'), `${lines.join('\n')}\n`);
} finally {
  await pg.stop();
}

function run(file, args) {
  const result = spawnSync(file, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed`);
}

// The postmaster: the first line of its data directory's postmaster.pid (a backend's parent
// cannot be read from /proc once psql has disconnected: the backend is gone by then).
function postmasterPid() {
  const sql = "SELECT pg_catalog.split_part(pg_catalog.pg_read_file('postmaster.pid'), E'\\n', 1)";
  const result = spawnSync(tool('psql'), ['-X', '-A', '-t', '-c', sql, 'postgres'], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
  const pid = Number(result.stdout.trim());
  procStat(pid);
  return pid;
}

// CPU seconds the server has used: the postmaster's own, its exited children's (the
// backends of finished connections; it reaps them) and its running children's.
function serverCpuSeconds(postmaster) {
  const ticks = (fields, from, to) => fields.slice(from, to).reduce((sum, field) => sum + Number(field), 0);
  let total = ticks(procStat(postmaster), 11, 15);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = procStat(Number(entry));
      if (Number(fields[1]) === postmaster) total += ticks(fields, 11, 13);
    } catch {
      // gone meanwhile
    }
  }
  return total / 100;
}

// /proc/<pid>/stat from field 3 (state) on: [0] state, [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime.
function procStat(pid) {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
}

function tool(name) {
  const path = join(bin, name);
  if (!existsSync(path)) throw new Error(`${path} not found: install the PostgreSQL 15 client tools`);
  return path;
}
