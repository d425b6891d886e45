// npm run bench (encryption part): the cost of age encryption, side by side in one run on
// one throwaway PostgreSQL (pgbench -i -s $PGBAK_BENCH_SCALE, default 50). Runs alternate
// (plain, encrypted, plain, encrypted…) so drift hits both alike. Before that, the cipher
// alone: pgbak's age stream (node's ChaCha20-Poly1305) against the `age` command piping the
// same bytes, which is why pgbak has its own age code rather than a pure-JS library.
// Prints a Markdown report (also written to .bench/encryption.md) for BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTool, queryValue } from './lib/bench-support.js';
import { measure, median } from './lib/measure.js';
import { startThrowawayPostgres } from './lib/throwaway-postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const scale = Number(process.env.PGBAK_BENCH_SCALE ?? 50);
const reps = Number(process.env.PGBAK_BENCH_REPS ?? 3);
const work = join(root, '.bench');
const pgbakBin = join(root, 'bin', 'pgbak.js');
const lines = [];
const say = (line = '') => {
  lines.push(line);
  console.log(line);
};

await mkdir(work, { recursive: true });
say(`## age encryption — ${new Date().toISOString().slice(0, 10)}`);
say();
say(`Command: \`PGBAK_BENCH_SCALE=${scale} PGBAK_BENCH_REPS=${reps} node scripts/bench-encryption.js\` (after npm run build; part of npm run bench)`);
say(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
say();
await benchCipher();

const pg = await startThrowawayPostgres({ settings: ['fsync=off', 'synchronous_commit=off', 'max_wal_size=4GB', 'shared_buffers=512MB'] });
const env = { ...process.env, ...pg.env, NO_COLOR: '1' };
try {
  await pg.createDatabase('bench');
  console.error(`bench: pgbench -i -s ${scale} (this takes a while)…`);
  const init = spawnSync(findTool('pgbench'), ['-i', '-s', String(scale), '-q', 'bench'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (init.status !== 0) throw new Error('pgbench -i failed');
  const size = await queryValue(pg, 'bench', `SELECT pg_size_pretty(pg_database_size('bench'))`);
  const keys = join(work, 'keys');
  await rm(keys, { recursive: true, force: true });
  const made = spawnSync(process.execPath, [pgbakBin, 'keygen', '--out', keys], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`pgbak keygen failed: ${made.stderr}`);
  const profiles = join(work, 'enc-profiles');
  await mkdir(profiles, { recursive: true });
  for (const format of ['custom', 'plain']) {
    await writeFile(join(profiles, `plain-${format}.yaml`), `steps:\n  - kind: full\n    format: ${format}\n`);
    await writeFile(join(profiles, `age-${format}.yaml`), `encryption:\n  ageRecipientsFile: ${join(keys, 'age.pub')}\nsteps:\n  - kind: full\n    format: ${format}\n`);
  }
  say(`### pgbak run, unencrypted vs encrypted to an age recipient (pgbench scale ${scale}, ${size})`);
  say();
  say(`Median of ${reps} alternating runs; peak memory is the VmHWM of the pgbak process itself.`);
  say();
  say('| format | unencrypted | encrypted | encrypted / unencrypted | peak RSS unencrypted | peak RSS encrypted | archive |');
  say('|---|---|---|---|---|---|---|');
  for (const format of ['custom', 'plain']) {
    const plain = [];
    const encrypted = [];
    let bytes = 0;
    for (let i = 0; i < reps; i++) {
      for (const [kind, results] of [['plain', plain], ['age', encrypted]]) {
        const dir = join(work, `enc-${kind}-${i}`);
        results.push(await measure(process.execPath, [pgbakBin, 'run', join(profiles, `${kind}-${format}.yaml`), '--database', 'bench', '--output-dir', dir, '--quiet'], { env }));
        const files = await readdir(dir);
        const archive = files.find((file) => file.endsWith('.zip') || file.endsWith('.zip.age'));
        bytes = (await stat(join(dir, archive))).size;
        await rm(dir, { recursive: true, force: true });
      }
    }
    const p = median(plain.map((r) => r.seconds));
    const e = median(encrypted.map((r) => r.seconds));
    say(`| ${format} | ${p.toFixed(2)} s | ${e.toFixed(2)} s | ${(e / p).toFixed(3)} | ${Math.max(...plain.map((r) => r.peakMiB)).toFixed(0)} MiB | ${Math.max(...encrypted.map((r) => r.peakMiB)).toFixed(0)} MiB | ${(bytes / 2 ** 20).toFixed(0)} MiB |`);
  }
  say();
  say(`Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await writeFile(join(work, 'encryption.md'), `${lines.join('\n')}\n`);
} finally {
  await pg.stop();
}

// The cipher alone, on 512 MiB from memory: pgbak's age stream (node's native
// ChaCha20-Poly1305, 64 KiB chunks) and `age -e -r` reading the same bytes from a pipe.
async function benchCipher() {
  const { startAgeEncryption, parseRecipients, generateX25519 } = await import('../dist/crypto/age/index.js');
  const total = 512 * 2 ** 20;
  const block = randomBytes(4 * 2 ** 20);
  const { recipient } = generateX25519();
  const ours = [];
  for (let i = 0; i < reps; i++) {
    const { stream } = await startAgeEncryption(parseRecipients(recipient).recipients);
    const started = process.hrtime.bigint();
    stream.on('data', () => undefined);
    const done = new Promise((resolve) => stream.on('end', resolve));
    for (let written = 0; written < total; written += block.length) {
      if (!stream.write(block)) await new Promise((resolve) => stream.once('drain', resolve));
    }
    stream.end();
    await done;
    ours.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  const theirs = [];
  const age = spawnSync('which', ['age'], { encoding: 'utf8' }).stdout.trim();
  if (age) {
    const file = join(work, 'cipher-input.bin');
    const fd = await import('node:fs/promises').then((fs) => fs.open(file, 'w'));
    for (let written = 0; written < total; written += block.length) await fd.write(block);
    await fd.close();
    for (let i = 0; i < reps; i++) {
      const started = process.hrtime.bigint();
      const run = spawnSync('sh', ['-c', `cat "$1" | "$2" -e -r "$3" > /dev/null`, 'sh', file, age, recipient]);
      if (run.status !== 0) throw new Error(`age failed: ${run.stderr}`);
      theirs.push(Number(process.hrtime.bigint() - started) / 1e9);
    }
    // The same pipe without age: what cat and the pipe alone cost.
    await rm(file, { force: true });
  }
  const mib = total / 2 ** 20;
  say('### The cipher alone (512 MiB, median of ' + reps + ')');
  say();
  say('| encrypter | time | throughput |');
  say('|---|---|---|');
  say(`| pgbak's age stream (node's ChaCha20-Poly1305), in process | ${median(ours).toFixed(2)} s | ${(mib / median(ours)).toFixed(0)} MiB/s |`);
  if (theirs.length > 0) say(`| \`cat file \\| age -e -r …\` (${spawnSync(age, ['--version'], { encoding: 'utf8' }).stdout.trim()}) | ${median(theirs).toFixed(2)} s | ${(mib / median(theirs)).toFixed(0)} MiB/s |`);
  say();
}
