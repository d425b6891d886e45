// How many server connections a per-database run opens: every connection is a
// backend the server forks, and with a thousand small databases that is the cost
// that counts. A TCP proxy in front of the shared cluster (which has no TLS) counts
// them. libpq (pg_dump) asks for TLS and goes on in the clear on the same socket;
// the driver cannot, so each sslmode=prefer connection of pgbak's would be two:
// the run remembers the server's refusal instead (db/client.ts TlsRefusals).
import { once } from 'node:events';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, connect as tcpConnect, type AddressInfo, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { manifestOf } from '../../support/archive-manifest.js';
import { resolveConnection } from '../../../lib/config/resolve-connection.js';
import { connect, TlsRefusals } from '../../../lib/db/client.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, query, type ClusterInfo, type TestDatabase } from '../../support/db.js';

const describeWithTools = hasClientTools() ? describe : describe.skip;

interface CountingProxy {
  port: number;
  /** TCP connections accepted so far. */
  accepted: number;
  stop(): Promise<void>;
}

async function startCountingProxy(cluster: ClusterInfo): Promise<CountingProxy> {
  const sockets = new Set<import('node:net').Socket>();
  const proxy: CountingProxy = { port: 0, accepted: 0, stop: async () => undefined };
  const server: Server = createServer((client) => {
    proxy.accepted++;
    const upstream = tcpConnect(cluster.port, cluster.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy.port = (server.address() as AddressInfo).port;
  proxy.stop = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}

let proxy: CountingProxy;
const databases: TestDatabase[] = [];
const made: string[] = [];

beforeAll(async () => {
  proxy = await startCountingProxy(getCluster(15));
});

afterAll(async () => {
  await proxy?.stop();
  await Promise.all(databases.map((database) => database.drop()));
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The shared cluster through the proxy, sslmode as given (none: libpq's default, prefer). */
function throughProxy(sslmode?: string): Record<string, string> {
  const cluster = getCluster(15);
  return { ...pgEnv({ ...cluster, host: '127.0.0.1', port: proxy.port }, 'postgres'), ...(sslmode ? { PGSSLMODE: sslmode } : {}) };
}

describe('a server without TLS under sslmode=prefer', () => {
  it('is asked for TLS once per run: a later connection of the same run goes in the clear at once', async () => {
    const connection = await resolveConnection({ env: throughProxy() });
    const refusals = new TlsRefusals();
    const before = proxy.accepted;
    await (await connect(connection, 'postgres', refusals)).end();
    // The first: TLS asked and refused, then a connection in the clear (the driver cannot go on on the same socket).
    expect(proxy.accepted - before).toBe(2);
    await (await connect(connection, 'postgres', refusals)).end();
    expect(proxy.accepted - before).toBe(3);
    // Another run (its own refusals) asks again: the server may have turned TLS on since.
    await (await connect(connection, 'postgres', new TlsRefusals())).end();
    expect(proxy.accepted - before).toBe(5);
  });

  it('reports a refusal in the clear as libpq would (a wrong password), and asks for TLS again after it', async () => {
    const refusals = new TlsRefusals();
    await (await connect(await resolveConnection({ env: throughProxy() }), 'postgres', refusals)).end();
    const wrong = await resolveConnection({ env: { ...throughProxy(), PGPASSWORD: 'not-the-password' } });
    const before = proxy.accepted;
    await expect(connect(wrong, 'postgres', refusals)).rejects.toMatchObject({ code: 'AUTH_FAILED', message: expect.stringMatching(/password authentication failed/) });
    // In the clear (refused), then libpq's attempts from the start: TLS (refused, remembered again), in the clear.
    expect(proxy.accepted - before).toBe(3);
    expect(refusals.has(wrong)).toBe(true);
  });

  it('still refuses sslmode=require after the run saw the refusal under prefer', async () => {
    const refusals = new TlsRefusals();
    await (await connect(await resolveConnection({ env: throughProxy() }), 'postgres', refusals)).end();
    const required = await resolveConnection({ env: throughProxy('require') });
    await expect(connect(required, 'postgres', refusals)).rejects.toMatchObject({ code: 'TLS_FAILED' });
  });
});

describeWithTools('a per-database run', () => {
  it('opens one server session per database beside pg_dump\'s, and asks for TLS once', async () => {
    for (let i = 0; i < 3; i++) databases.push(await createTestDatabase(getCluster(15), `sessions_${i}`));
    await Promise.all(databases.map((database) => query(getCluster(15), database.name, 'CREATE TABLE notes AS SELECT g AS id FROM generate_series(1, 10) g')));
    const profiles = await mkdtemp(path.join(os.tmpdir(), 'pgbak-sessions-profiles-'));
    const out = await mkdtemp(path.join(os.tmpdir(), 'pgbak-sessions-out-'));
    made.push(profiles, out);
    // Row counts and the schema model are read (the defaults), in the snapshot session.
    await writeFile(
      path.join(profiles, 'some.yaml'),
      `concurrency: 2\nsteps:\n  - kind: full\n    format: custom\n    databases: [${databases.map((database) => database.name).join(', ')}]\n`,
    );
    const before = proxy.accepted;
    const run = await runCli(['run', 'some', '--profiles-dir', profiles, '--output-dir', out, '--json'], { env: throughProxy() });
    expect(run.exitCode).toBe(0);
    const summary = JSON.parse(run.stdout) as { archives: Array<{ status: string }> };
    expect(summary.archives.map((archive) => archive.status)).toEqual(['ok', 'ok', 'ok']);
    const zips = (await readdir(out)).filter((name) => name.endsWith('.zip'));
    expect(zips).toHaveLength(3);
    for (const zip of zips) {
      const [step] = (await manifestOf(path.join(out, zip))).steps;
      expect(step?.rowCounts).toMatchObject({ mode: 'exact', tables: { 'public.notes': 10 } });
      expect(step?.schemaModel?.objects).toBeGreaterThan(0);
    }
    // Preparing: TLS refused, then the server's facts in the clear (2). Each database: pgbak's
    // snapshot session (facts and model in its transaction) and pg_dump's (2 × 3).
    expect(proxy.accepted - before).toBe(2 + 2 * 3);
  });
});
