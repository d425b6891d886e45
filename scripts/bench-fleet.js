// npm run bench (fleet part): `databases: all` over many small databases against a shell
// loop of bare `pg_dump -Fc` over the same databases with the same concurrency
// (`xargs -P N`), side by side, on one throwaway PostgreSQL. With a thousand small
// databases the fixed cost per database is what matters (issue #13: at most 1.2×).
// PGBAK_BENCH_FLEET_DATABASES (default 200), PGBAK_BENCH_FLEET_CONCURRENCY (default 4),
// PGBAK_BENCH_REPS (default 3). Appends its Markdown to .bench/report-fleet.md.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTool } from './lib/bench-support.js';
import { measure, median } from './lib/measure.js';
import { startThrowawayPostgres } from './lib/throwaway-postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const count = Number(process.env.PGBAK_BENCH_FLEET_DATABASES ?? 200);
const concurrency = Number(process.env.PGBAK_BENCH_FLEET_CONCURRENCY ?? 4);
const reps = Number(process.env.PGBAK_BENCH_REPS ?? 3);
const work = join(root, '.bench', 'fleet');
const pgbakBin = join(root, 'bin', 'pgbak.js');

const pg = await startThrowawayPostgres({ settings: ['fsync=off', 'synchronous_commit=off', `max_connections=${Math.max(100, concurrency * 4 + 20)}`] });
const env = { ...process.env, ...pg.env, PGDATABASE: 'postgres', NO_COLOR: '1' };
const lines = [];
const say = (line = '') => {
  lines.push(line);
  console.log(line);
};
try {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const pgDump = findTool('pg_dump');
  const names = Array.from({ length: count }, (_, i) => `small_${String(i).padStart(4, '0')}`);
  console.error(`bench-fleet: creating ${count} small databases…`);
  const admin = pg.client('postgres');
  await admin.connect();
  try {
    await admin.query('CREATE DATABASE small_template');
    const template = pg.client('small_template');
    await template.connect();
    // Small, not empty: a table with a primary key, an index, a sequence and 100 rows.
    await template.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, at timestamptz DEFAULT now()); CREATE INDEX ON notes (at); INSERT INTO notes (body) SELECT md5(g::text) FROM generate_series(1, 100) g');
    await template.end();
    for (const name of names) await admin.query(`CREATE DATABASE ${name} TEMPLATE small_template`);
    await admin.query('DROP DATABASE small_template');
  } finally {
    await admin.end();
  }

  const profiles = join(work, 'profiles');
  await mkdir(profiles, { recursive: true });
  // The same databases as the loop: all but postgres. Two connections per archive (pg_dump's and the snapshot session).
  const fleetYaml = (extra) => `${extra}concurrency: ${concurrency}\nmaxConnections: ${concurrency * 2}\nsteps:\n  - kind: full\n    format: custom\n    databases: all\n    excludeDatabases: [postgres]\n`;
  await writeFile(join(profiles, 'fleet.yaml'), fleetYaml(''));
  // What the fleet layer costs by itself: without the facts read beside each dump (row counts, the schema model).
  await writeFile(join(profiles, 'lean.yaml'), fleetYaml('rowCounts: off\nschemaModel: false\n'));
  const loop = `printf '%s\\n' ${names.join(' ')} | xargs -P ${concurrency} -I{} ${pgDump} -Fc -f ${join(work, 'bare')}/{}.dump {}`;
  const bare = [];
  const wrapped = [];
  const lean = [];
  const runPgbak = async (profile, i) => {
    const out = join(work, `pgbak-${profile}-${i}`);
    const result = await measure(process.execPath, [pgbakBin, 'run', profile, '--profiles-dir', profiles, '--output-dir', out, '--quiet'], { env });
    const zips = (await readdir(out)).filter((name) => name.endsWith('.zip'));
    if (zips.length !== count) throw new Error(`pgbak wrote ${zips.length} archives, not ${count}`);
    await rm(out, { recursive: true, force: true });
    return result;
  };
  for (let i = 0; i < reps; i++) {
    await rm(join(work, 'bare'), { recursive: true, force: true });
    await mkdir(join(work, 'bare'));
    bare.push(await measure('/bin/sh', ['-c', loop], { env }));
    if ((await readdir(join(work, 'bare'))).length !== count) throw new Error('the pg_dump loop did not write every database');
    wrapped.push(await runPgbak('fleet', i));
    lean.push(await runPgbak('lean', i));
  }
  const b = median(bare.map((r) => r.seconds));
  const w = median(wrapped.map((r) => r.seconds));
  say(`## databases: all over ${count} small databases vs a pg_dump -Fc loop — ${new Date().toISOString().slice(0, 10)}`);
  say();
  say(`Command: \`PGBAK_BENCH_FLEET_DATABASES=${count} PGBAK_BENCH_FLEET_CONCURRENCY=${concurrency} PGBAK_BENCH_REPS=${reps} node scripts/bench-fleet.js\` (part of \`npm run bench\`)`);
  say(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; PostgreSQL 15 (embedded), ${pgDump}`);
  say(`Each database: one table (100 rows, a primary key, an index, a sequence). Median of ${reps} alternating runs; machine CPU is the busy CPU time of the whole machine during the run.`);
  say();
  say(`| case | bare: xargs -P ${concurrency} pg_dump -Fc | pgbak run (databases: all, concurrency ${concurrency}) | pgbak / bare | per database, bare | per database, pgbak | machine CPU bare / pgbak |`);
  say('|---|---|---|---|---|---|---|');
  const cpu = (runs) => median(runs.map((r) => r.cpuSeconds)).toFixed(1);
  say(`| ${count} databases | ${b.toFixed(2)} s | ${w.toFixed(2)} s | ${(w / b).toFixed(2)} | ${((b / count) * 1000).toFixed(0)} ms | ${((w / count) * 1000).toFixed(0)} ms | ${cpu(bare)} s / ${cpu(wrapped)} s |`);
  const l = median(lean.map((r) => r.seconds));
  say(`| ${count} databases, rowCounts: off, schemaModel: false | ${b.toFixed(2)} s | ${l.toFixed(2)} s | ${(l / b).toFixed(2)} | ${((b / count) * 1000).toFixed(0)} ms | ${((l / count) * 1000).toFixed(0)} ms | ${cpu(bare)} s / ${cpu(lean)} s |`);
  say();
  await writeFile(join(root, '.bench', 'report-fleet.md'), `${lines.join('\n')}\n`);
} finally {
  await pg.stop();
}
