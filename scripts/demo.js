// npm run demo: start a throwaway PostgreSQL, seed a small shop database, run
// `pgbak run nightly` against it, show what the backup holds, and compare the
// backup's schema with the database before and after a change.
import { spawnSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openZip, parseManifest } from '../dist/index.js';
import { startThrowawayPostgres } from './lib/throwaway-postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outputDir = resolve(process.env.PGBAK_OUTPUT_DIR ?? join(root, 'backups', 'demo'));

const seed = `
  CREATE SCHEMA billing;
  CREATE TABLE public.customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, tags text[], profile jsonb);
  CREATE TABLE public.orders (id serial PRIMARY KEY, customer_id bigint REFERENCES public.customers, placed_at timestamptz DEFAULT now(), total numeric(12,2));
  CREATE TABLE billing.invoices (id serial PRIMARY KEY, order_id int REFERENCES public.orders, pdf oid);
  INSERT INTO public.customers (name, tags, profile)
    SELECT 'customer ' || g, ARRAY['tag' || g % 5], jsonb_build_object('tier', g % 3) FROM generate_series(1, 2000) g;
  INSERT INTO public.orders (customer_id, total) SELECT 1 + g % 2000, g * 1.25 FROM generate_series(1, 20000) g;
  INSERT INTO billing.invoices (order_id, pdf) VALUES (1, lo_from_bytea(0, 'PDF-1.7 demo invoice'));
  CREATE VIEW public.big_orders AS SELECT * FROM public.orders WHERE total > 1000;
`;

const pg = await startThrowawayPostgres();
try {
  console.error(`demo: throwaway PostgreSQL 15 on 127.0.0.1:${pg.port}`);
  await pg.createDatabase('app');
  const client = pg.client('app');
  await client.connect();
  await client.query(seed);
  await client.end();
  await mkdir(outputDir, { recursive: true });

  const env = { ...process.env, ...pg.env, PGDATABASE: 'app' };
  const pgbak = (...args) => spawnSync(process.execPath, [join(root, 'bin', 'pgbak.js'), ...args], { env, stdio: 'inherit' });
  console.error('\ndemo: $ pgbak plan nightly');
  pgbak('plan', 'nightly', '--output-dir', outputDir);
  console.error('\ndemo: $ pgbak run nightly');
  const run = pgbak('run', 'nightly', '--output-dir', outputDir);
  if (run.status !== 0) throw new Error(`pgbak run exited with ${run.status}`);

  const newest = (await readdir(outputDir)).filter((f) => f.endsWith('.zip')).sort().at(-1);
  const zip = await openZip(join(outputDir, newest));
  const manifest = parseManifest(await zip.readText('manifest.json'));
  console.log(`\n${join(outputDir, newest)}`);
  for (const entry of zip.entries()) console.log(`  ${entry.name.padEnd(28)} ${String(entry.uncompressedSize).padStart(10)} bytes`);
  for (const step of manifest.steps) {
    const tables = Object.entries(step.rowCounts?.tables ?? {}).map(([t, n]) => `${t}=${n}`).join(', ');
    console.log(`  step ${step.name}: ${step.tool.name} ${step.tool.version}${tables ? `, rows: ${tables}` : ''}`);
  }
  zip.close();

  // The backup also holds the database's schema model: compare it with the live
  // database (no drift, exit 0), then change the database and compare again (exit 3).
  console.error(`\ndemo: $ pgbak compare --source ${newest}   # target: the configured database`);
  const same = pgbak('compare', '--source', join(outputDir, newest));
  if (same.status !== 0) throw new Error(`pgbak compare exited with ${same.status} on an unchanged database`);
  const alter = pg.client('app');
  await alter.connect();
  await alter.query('ALTER TABLE public.orders ADD COLUMN coupon text');
  await alter.end();
  console.error('\ndemo: ALTER TABLE public.orders ADD COLUMN coupon text; then the same compare:');
  const drift = pgbak('compare', '--source', join(outputDir, newest));
  if (drift.status !== 3) throw new Error(`pgbak compare exited with ${drift.status} after a change (expected 3: drift)`);
  console.error('demo: exit 3 — a CI step would fail here');
} finally {
  await pg.stop();
}
