// The servers of a run: one for `connection:`, one per entry of `connections:`, each with
// its own places; a several-server profile whose storage would mix them is refused.
import { loadRunConfig, type RunConfigInput } from '../../../lib/config/run-config.js';
import { runProfile } from '../../../lib/run/run-profile.js';
import { createTempDir, rejection, type TempDir } from './support.js';

describe('the servers of a run', () => {
  let dir: TempDir;
  const env = { PGUSER: 'backup', PGPASSWORD: 'pw', AWS_REGION: 'eu-west-1' };
  beforeAll(async () => {
    dir = await createTempDir();
  });
  afterAll(async () => {
    await dir.remove();
  });
  const load = async (yaml: string, more: Partial<RunConfigInput> = {}) => {
    const file = await dir.write(`p-${Math.random().toString(36).slice(2)}.yaml`, yaml);
    return loadRunConfig({ profile: file, cwd: dir.path, env, ...more });
  };

  it('gives each server of connections: its name in {host} of every location, its folder, its connection', async () => {
    const config = await load(
      'connections:\n  - { name: east, host: db1.internal, port: 5433 }\n  - { host: db2.internal }\n' +
        'storage:\n  - local: { dir: "backups/{host}" }\n  - s3: { bucket: acme, prefix: "pg/{host}/{database}/" }\n',
    );
    expect(config.servers.map((s) => [s.name, s.connection.host, s.connection.port, s.connection.user, s.outputDir])).toEqual([
      ['east', 'db1.internal', 5433, 'backup', `${dir.path}/backups/east`],
      ['db2.internal', 'db2.internal', 5432, 'backup', `${dir.path}/backups/db2.internal`],
    ]);
    expect(config.servers[1]!.storage).toEqual([
      { kind: 'local', dir: `${dir.path}/backups/db2.internal` },
      { kind: 's3', bucket: 'acme', prefix: 'pg/db2.internal/{database}/', region: 'eu-west-1' },
    ]);
    // The first server's, for what reads one connection.
    expect(config.connection.host).toBe('db1.internal');
    expect(config.outputDir).toBe(`${dir.path}/backups/east`);
  });

  it('keeps the run logs and locks of an S3-only several-server run in a folder per server', async () => {
    const config = await load('connections: [ { name: a, host: h1 }, { name: b, host: h2 } ]\nstorage: [ { s3: { bucket: acme, prefix: "{host}/" } } ]\n', { outputDir: '/var/pgbak' });
    expect(config.servers.map((s) => s.outputDir)).toEqual(['/var/pgbak/a', '/var/pgbak/b']);
  });

  it('has one server for connection:, {host} of a local folder its host', async () => {
    const config = await load('connection: { host: db.internal }\nstorage: [ { local: { dir: "b/{host}" } }, { s3: { bucket: acme, prefix: "{host}/" } } ]\n');
    expect(config.servers).toHaveLength(1);
    expect(config.servers[0]!.name).toBe('db.internal');
    expect(config.outputDir).toBe(`${dir.path}/b/db.internal`);
    // The prefix is left to compile, as it always was.
    expect(config.storage[1]).toMatchObject({ prefix: '{host}/' });
  });

  it('refuses a several-server profile with a location that lacks {host}, naming it (exit 2)', async () => {
    const s3 = await rejection(() => load('connections: [ { host: h1 }, { host: h2 } ]\nstorage: [ { s3: { bucket: acme, prefix: "pg/{database}/" } } ]\n'));
    expect(s3).toMatchObject({ code: 'USAGE', message: expect.stringContaining('the 2 servers of connections: would write archives of the same names to s3://acme/pg/{database}/') });
    expect(s3.hint).toContain('prefix: "pg/{database}/{host}/{database}/"');
    const local = await rejection(() => load('connections: [ { host: h1 }, { host: h2 } ]\n', { outputDir: '/var/pgbak' }));
    expect(local).toMatchObject({ code: 'USAGE', message: expect.stringContaining('would write archives of the same names to /var/pgbak') });
    expect(local.hint).toContain('--output-dir "./backups/{host}"');
    // --output-dir with {host} is a folder per server.
    const moved = await load('connections: [ { host: h1 }, { host: h2 } ]\n', { outputDir: '/var/pgbak/{host}' });
    expect(moved.servers.map((s) => s.outputDir)).toEqual(['/var/pgbak/h1', '/var/pgbak/h2']);
  });

  it('refuses two servers that come out the same in {host}, and --host or --port for several servers', async () => {
    // Hosts from PGHOST are known only once the connections resolve.
    const same = await rejection(() => load('connections: [ { port: 5432 }, { port: 5433 } ]\nstorage: [ { s3: { bucket: acme, prefix: "{host}/" } } ]\n', { env: { ...env, PGHOST: 'db' } }));
    expect(same).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('connections[1] and connections[0] are both "db" in {host}') });
    const flag = await rejection(() => load('connections: [ { host: h1 }, { host: h2 } ]\nstorage: [ { s3: { bucket: acme, prefix: "{host}/" } } ]\n', { connection: { host: 'other' } }));
    expect(flag).toMatchObject({ code: 'USAGE', message: expect.stringContaining('--host would point the 2 servers') });
  });

  it('refuses runProfile (one archive) for a profile with several servers, before connecting', async () => {
    const file = await dir.write('several.yaml', 'connections: [ { host: h1.invalid }, { host: h2.invalid } ]\nstorage: [ { s3: { bucket: acme, prefix: "{host}/" } } ]\n');
    const error = await rejection(() => runProfile({ profile: file, cwd: dir.path, env }));
    expect(error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('lists 2 servers (connections:): runProfile backs up one') });
  });

  it('accepts run overrides (--concurrency) on a profile with top-level databases: and no steps (the overridden profile parses again)', async () => {
    const config = await load('connections: [ { name: a, host: h1 }, { name: b, host: h2 } ]\ndatabases: all\nexcludeDatabases: [scratch]\nstorage: [ { s3: { bucket: acme, prefix: "{host}/" } } ]\n', { overrides: { concurrency: 1, format: 'directory' } });
    expect(config.profile.profile.concurrency).toBe(1);
    expect(config.profile.profile.steps).toEqual([{ kind: 'full', databases: 'all', excludeDatabases: ['scratch'], format: 'directory' }]);
  });
});
