// What reading one database's schema model costs the server and Node, per database
// of a fleet (issue #13): the read pgbak makes beside every dump (compare's
// inspectSchema over the native catalog readers), each time in a new backend, as a
// `databases: all` run does. CPU, not wall time (the numbers hold on a busy machine):
// the backend's own CPU from /proc/<pid>/schedstat around the read, and the Node
// process's from process.cpuUsage(). Each round runs every build in turn in a
// process of its own (alternating, so the machine's drift hits all alike) and
// reads every database twice there: the first read is a cold Node process, the
// second one a warm one (a fleet run's Node is warm after its first database).
//
//   node scripts/bench-model-read.js [--rounds 13] [--major 15] [--base /path/to/other/build]
//
// A build is a folder with dist/ (npm run build); this tree is always one.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startThrowawayPostgres } from './lib/throwaway-postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '13' }, major: { type: 'string', default: '15' }, base: { type: 'string' }, child: { type: 'string' } } });

// The databases: empty; bench-fleet's small one; a few more kinds of objects.
const databases = {
  empty: [],
  fleet: ['CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, at timestamptz DEFAULT now()); CREATE INDEX ON notes (at); INSERT INTO notes (body) SELECT md5(g::text) FROM generate_series(1, 100) g'],
  small: [
    "CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, name text, created timestamptz DEFAULT now(), CHECK (email LIKE '%@%'))",
    "CREATE TABLE orders (id serial PRIMARY KEY, customer bigint NOT NULL REFERENCES customers (id), total numeric(10,2) CHECK (total >= 0), status text DEFAULT 'new')",
    "CREATE INDEX orders_customer ON orders (customer); CREATE INDEX orders_status ON orders (status) WHERE status <> 'done'",
    "CREATE TYPE mood AS ENUM ('ok', 'sad'); CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, mood mood, at timestamptz DEFAULT now())",
    'CREATE VIEW order_totals AS SELECT customer, sum(total) AS total FROM orders GROUP BY customer',
    'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at := now(); RETURN NEW; END $$',
    'CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch()',
    "COMMENT ON TABLE customers IS 'people'",
  ],
};

if (values.child) {
  // One build's reads, in this process: node bench-model-read.js --child <build> (env: the connection).
  const { default: pg } = await import('pg');
  const { inspectSchema } = await import(`${values.child}/dist/index.js`);
  const results = {};
  for (const pass of ['cold', 'warm']) {
    for (const database of Object.keys(databases)) {
      const client = new pg.Client({ database });
      await client.connect();
      const pid = (await client.query('SELECT pg_catalog.pg_backend_pid() AS pid')).rows[0].pid;
      const backend = () => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const serverBefore = backend();
      const nodeBefore = process.cpuUsage();
      const model = await inspectSchema(client, { database, schemas: null });
      const node = process.cpuUsage(nodeBefore);
      const server = backend() - serverBefore;
      await client.query('ROLLBACK');
      await client.end();
      results[`${database} ${pass}`] = { server, node: (node.user + node.system) / 1000, objects: model.objects.length };
    }
  }
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
}

const builds = [root.replace(/\/$/, ''), ...(values.base ? [values.base.replace(/\/$/, '')] : [])];
const rounds = Number(values.rounds);
const pg = await startThrowawayPostgres({ major: Number(values.major), settings: ['fsync=off', 'synchronous_commit=off'] });
try {
  const admin = pg.client('postgres');
  await admin.connect();
  for (const [name, statements] of Object.entries(databases)) {
    await admin.query(`CREATE DATABASE ${name}`);
    const client = pg.client(name);
    await client.connect();
    for (const statement of statements) await client.query(statement);
    await client.end();
  }
  await admin.end();
  const env = { ...process.env, ...pg.env, PGSSLMODE: 'disable' };
  const samples = new Map(builds.map((build) => [build, []]));
  for (let round = 0; round < rounds; round++) {
    for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
      const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', build], { env, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${build}: ${run.stderr}`);
      samples.get(build).push(JSON.parse(run.stdout));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const keys = Object.keys(samples.get(builds[0])[0]);
  console.log(`PostgreSQL ${values.major}, median of ${rounds} rounds (builds alternating); server = the backend's CPU for the read, Node = the process's CPU for it (ms)`);
  console.log();
  console.log(`| database, Node | ${builds.map((build) => `${build}: server / Node`).join(' | ')} | objects |`);
  console.log(`|---|${builds.map(() => '---|').join('')}---|`);
  for (const key of keys) {
    const cells = builds.map((build) => {
      const runs = samples.get(build);
      return `${median(runs.map((r) => r[key].server)).toFixed(1)} / ${median(runs.map((r) => r[key].node)).toFixed(1)}`;
    });
    console.log(`| ${key} | ${cells.join(' | ')} | ${samples.get(builds[0])[0][key].objects} |`);
  }
} finally {
  await pg.stop();
}
