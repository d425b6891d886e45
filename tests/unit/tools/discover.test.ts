import { access } from 'node:fs/promises';
import path from 'node:path';
import { discoverTools } from '../../../lib/tools/discover.js';
import { expandDirPattern } from '../../../lib/tools/candidate-dirs.js';
import type { ToolFs } from '../../../lib/tools/tool-fs.js';
import { createFakeToolDirs, type FakeToolDirs } from './fake-tools.js';

describe('discoverTools with fake tools in temp dirs', () => {
  let fake: FakeToolDirs;

  beforeEach(async () => {
    fake = await createFakeToolDirs();
  });
  afterEach(async () => {
    await fake.remove();
  });

  it('finds every working copy on PATH with its version and origin', async () => {
    await fake.addTool('13', 'pg_dump', 'pg_dump (PostgreSQL) 13.4');
    await fake.addTool('15', 'pg_dump', 'pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)');
    await fake.addTool('16', 'pg_dump', 'pg_dump (PostgreSQL) 16.4');
    await fake.addTool('17', 'pg_dump', 'pg_dump (PostgreSQL) 17beta1');
    await fake.addTool('17', 'psql', 'psql (PostgreSQL) 17beta1');
    const PATH = ['13', '15', '16', '17'].map((dir) => path.join(fake.root, dir)).join(path.delimiter);

    const { inventory, rejected } = await discoverTools({ env: { PATH }, installDirs: [] });

    expect(inventory.pg_dump.map((tool) => [tool.path, tool.version.text, tool.origin])).toEqual([
      [path.join(fake.root, '13', 'pg_dump'), '13.4', 'PATH'],
      [path.join(fake.root, '15', 'pg_dump'), '15.18', 'PATH'],
      [path.join(fake.root, '16', 'pg_dump'), '16.4', 'PATH'],
      [path.join(fake.root, '17', 'pg_dump'), '17beta1', 'PATH'],
    ]);
    expect(inventory.psql).toHaveLength(1);
    expect(inventory.pg_restore).toEqual([]);
    expect(rejected).toEqual([]);
  });

  it('rejects a tool whose --version exits 1, with the reason', async () => {
    await fake.addTool('broken', 'pg_dump', 'pg_dump: error while loading shared libraries', 1);
    const { inventory, rejected } = await discoverTools({ env: { PATH: path.join(fake.root, 'broken') }, names: ['pg_dump'], installDirs: [] });
    expect(inventory.pg_dump).toEqual([]);
    expect(rejected).toEqual([
      expect.objectContaining({ path: path.join(fake.root, 'broken', 'pg_dump'), reason: expect.stringMatching(/exited with code 1: pg_dump: error while loading/) }),
    ]);
  });

  it('rejects a file that is not executable and one whose output is not a version', async () => {
    await fake.addFile('odd', 'pg_dump', 'not a program', 0o644);
    await fake.addTool('odd', 'psql', 'hello');
    const { inventory, rejected } = await discoverTools({ env: { PATH: path.join(fake.root, 'odd') }, installDirs: [] });
    expect(inventory.pg_dump).toEqual([]);
    expect(inventory.psql).toEqual([]);
    expect(rejected.map((r) => [r.name, r.reason])).toEqual([
      ['pg_dump', 'not executable'],
      ['psql', 'unrecognised --version output: "hello"'],
    ]);
  });

  it('lists PGBAK_PG_BIN copies before PATH copies, each of several PGBAK_PG_BIN dirs in order', async () => {
    await fake.addTool('path', 'pg_dump', 'pg_dump (PostgreSQL) 16.4');
    await fake.addTool('pin-a', 'pg_dump', 'pg_dump (PostgreSQL) 15.2');
    await fake.addTool('pin-b', 'pg_dump', 'pg_dump (PostgreSQL) 13.4');
    const env = {
      PATH: path.join(fake.root, 'path'),
      PGBAK_PG_BIN: [path.join(fake.root, 'pin-a'), path.join(fake.root, 'pin-b')].join(path.delimiter),
    };
    const { inventory } = await discoverTools({ env, names: ['pg_dump'], installDirs: [] });
    expect(inventory.pg_dump.map((tool) => [tool.version.text, tool.origin])).toEqual([
      ['15.2', 'PGBAK_PG_BIN'],
      ['13.4', 'PGBAK_PG_BIN'],
      ['16.4', 'PATH'],
    ]);
  });

  it('says when PGBAK_PG_BIN does not hold a tool it was asked for', async () => {
    const pin = path.join(fake.root, 'empty');
    const { rejected } = await discoverTools({ env: { PGBAK_PG_BIN: pin }, names: ['pg_restore'], installDirs: [] });
    expect(rejected).toEqual([{ name: 'pg_restore', path: path.join(pin, 'pg_restore'), origin: 'PGBAK_PG_BIN', reason: 'not found' }]);
  });

  it('lists a file reached through a symlink once, under the first path found', async () => {
    const real = await fake.addTool('real', 'pg_dump', 'pg_dump (PostgreSQL) 15.18');
    const link = await fake.addLink('links', 'pg_dump', real);
    const PATH = [path.join(fake.root, 'links'), path.join(fake.root, 'real')].join(path.delimiter);
    const { inventory } = await discoverTools({ env: { PATH }, names: ['pg_dump'], installDirs: [] });
    expect(inventory.pg_dump.map((tool) => tool.path)).toEqual([link]);
  });

  it('keeps two different files with the same version', async () => {
    await fake.addTool('a', 'pg_dump', 'pg_dump (PostgreSQL) 15.18');
    await fake.addTool('b', 'pg_dump', 'pg_dump (PostgreSQL) 15.18');
    const PATH = [path.join(fake.root, 'a'), path.join(fake.root, 'b')].join(path.delimiter);
    const { inventory } = await discoverTools({ env: { PATH }, names: ['pg_dump'], installDirs: [] });
    expect(inventory.pg_dump).toHaveLength(2);
  });

  it('skips relative PATH entries', async () => {
    await fake.addTool('rel', 'pg_dump', 'pg_dump (PostgreSQL) 15.18');
    const cwd = process.cwd();
    process.chdir(fake.root);
    try {
      const { inventory } = await discoverTools({ env: { PATH: ['rel', '', '.'].join(path.delimiter) }, names: ['pg_dump'], installDirs: [] });
      expect(inventory.pg_dump).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('expands install-folder patterns by reading directories, newest first', async () => {
    await fake.addTool('lib/postgresql/13/bin', 'pg_dump', 'pg_dump (PostgreSQL) 13.4');
    await fake.addTool('lib/postgresql/16/bin', 'pg_dump', 'pg_dump (PostgreSQL) 16.4');
    await fake.addTool('lib/postgresql/9.6/bin', 'pg_dump', 'pg_dump (PostgreSQL) 9.6.24');
    const pattern = path.join(fake.root, 'lib/postgresql/*/bin');
    const { inventory } = await discoverTools({ env: {}, names: ['pg_dump'], installDirs: [pattern, path.join(fake.root, 'nowhere/*/bin')] });
    expect(inventory.pg_dump.map((tool) => [tool.version.text, tool.origin])).toEqual([
      ['16.4', 'install-dir'],
      ['13.4', 'install-dir'],
      ['9.6.24', 'install-dir'],
    ]);
  });

  it('runs the version checks in parallel', async () => {
    for (const dir of ['a', 'b', 'c', 'd']) await fake.addTool(dir, 'pg_dump', 'x');
    let running = 0;
    let peak = 0;
    const runVersion = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
      return { exitCode: 0, stdout: 'pg_dump (PostgreSQL) 16.1', stderr: '' };
    };
    const PATH = ['a', 'b', 'c', 'd'].map((dir) => path.join(fake.root, dir)).join(path.delimiter);
    const { inventory } = await discoverTools({ env: { PATH }, names: ['pg_dump'], installDirs: [], runVersion });
    expect(inventory.pg_dump).toHaveLength(4);
    expect(peak).toBe(4);
  });
});

describe('discoverTools with an injected file system', () => {
  it('looks for .exe files in PostgreSQL install folders on Windows', async () => {
    const files = new Set(['C:\\Program Files\\PostgreSQL\\16\\bin\\pg_dump.exe']);
    const fs: ToolFs = {
      listDir: async (dir) => (dir === 'C:\\Program Files\\PostgreSQL' ? ['16'] : []),
      inspect: async (file) => (files.has(file) ? 'executable' : 'missing'),
      realpath: async (file) => file,
    };
    const seen: string[] = [];
    const runVersion = async (file: string) => {
      seen.push(file);
      return { exitCode: 0, stdout: 'pg_dump (PostgreSQL) 16.2', stderr: '' };
    };
    const { inventory } = await discoverTools({ env: { Path: 'C:\\Windows' }, platform: 'win32', fs, runVersion, names: ['pg_dump'] });
    expect(seen).toEqual(['C:\\Program Files\\PostgreSQL\\16\\bin\\pg_dump.exe']);
    expect(inventory.pg_dump[0]?.origin).toBe('install-dir');
  });

  it('reports a tool that cannot be started', async () => {
    const fs: ToolFs = { listDir: async () => [], inspect: async () => 'executable', realpath: async (file) => file };
    const runVersion = async () => ({ exitCode: undefined, stdout: '', stderr: '', failure: 'timed out after 5 s' });
    const { rejected } = await discoverTools({ env: { PATH: '/x' }, fs, runVersion, names: ['psql'], installDirs: [] });
    expect(rejected).toEqual([{ name: 'psql', path: '/x/psql', origin: 'PATH', reason: 'could not run --version: timed out after 5 s' }]);
  });

  it('expands a wildcard inside a name, like postgresql@*', async () => {
    const fs: ToolFs = {
      listDir: async (dir) => (dir === '/opt/homebrew/opt' ? ['postgresql@16', 'openssl@3', 'postgresql@17', 'postgresql@9.6'] : []),
      inspect: async () => 'missing',
      realpath: async (file) => file,
    };
    expect(await expandDirPattern('/opt/homebrew/opt/postgresql@*/bin', fs)).toEqual([
      '/opt/homebrew/opt/postgresql@17/bin',
      '/opt/homebrew/opt/postgresql@16/bin',
      '/opt/homebrew/opt/postgresql@9.6/bin',
    ]);
  });
});

const debianPgDump = '/usr/lib/postgresql/15/bin/pg_dump';
const hasDebianPgDump = await access(debianPgDump).then(
  () => true,
  () => false,
);
if (!hasDebianPgDump) console.warn(`skipping real discovery: ${debianPgDump} is not installed`);

(hasDebianPgDump ? describe : describe.skip)('discoverTools on this machine', () => {
  it('finds the installed pg_dump 15 in the Debian install folder', async () => {
    const { inventory } = await discoverTools({ env: { PATH: '' }, names: ['pg_dump'] });
    expect(inventory.pg_dump).toContainEqual({
      name: 'pg_dump',
      path: debianPgDump,
      version: expect.objectContaining({ major: 15 }),
      origin: 'install-dir',
    });
  });

  it('lists the real binaries instead of Debian\'s pg_wrapper links to them', async () => {
    const { inventory } = await discoverTools({ env: { PATH: process.env.PATH ?? '' }, names: ['pg_dump'] });
    const paths = inventory.pg_dump.map((tool) => tool.path);
    expect(paths).toContain(debianPgDump);
    // /usr/bin/pg_dump (and /bin/pg_dump on merged-/usr systems) dispatch to that binary.
    expect(paths.filter((p) => p === '/usr/bin/pg_dump' || p === '/bin/pg_dump')).toEqual([]);
    for (const tool of inventory.pg_dump) expect(tool.version.major).toBe(15);
  });
});
