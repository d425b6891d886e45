// When restore hands plain SQL to pgbak's native loader: with --loader native, or
// when no psql is installed. Tool discovery is replaced by a fixed inventory: it
// has no switch to hide the machine's own install folders (/usr/lib/postgresql).
import { jest } from '@jest/globals';
import * as select from '../../../../lib/tools/select.js';
import * as clientFloor from '../../../../lib/tools/client-floor.js';
import * as types from '../../../../lib/tools/types.js';
import * as version from '../../../../lib/tools/version.js';
import type { ToolInfo, ToolInventory } from '../../../../lib/tools/types.js';
import type { RestoreItem } from '../../../../lib/restore/types.js';
import { createLogger } from '../../../../lib/log/index.js';

let inventory: ToolInventory;
const discoverTools = jest.fn(async (options: { names?: readonly string[] }) => ({ inventory, rejected: [], asked: options.names }));

// No --version cache either: discovery is replaced.
jest.unstable_mockModule('../../../../lib/tools/index.js', () => ({ ...types, ...version, ...select, ...clientFloor, discoverTools, toolVersionCacheDir: () => undefined }));

const { chooseTools } = await import('../../../../lib/restore/choose-tools.js');
const { NATIVE_LOADER, usesNativeLoader, describeNativeLoad } = await import('../../../../lib/restore/native-loader-glue.js');

const psql: ToolInfo = { name: 'psql', path: '/usr/bin/psql', version: { major: 15, minor: 18, text: '15.18' }, origin: 'PATH' };
const pgRestore: ToolInfo = { name: 'pg_restore', path: '/usr/bin/pg_restore', version: { major: 15, minor: 18, text: '15.18' }, origin: 'PATH' };
const server = { major: 15, minor: 18, text: '15.18' };

function item(format: RestoreItem['format'], name = format === 'plain' ? 'full/app.sql' : 'full/app.dump'): RestoreItem {
  return { step: 'full', database: 'app', format, input: { type: 'entry', name, gunzip: name.endsWith('.gz') }, target: 'app_copy', dumpVersion: '15.18' };
}

function inventoryOf(...tools: ToolInfo[]): ToolInventory {
  return { pg_dump: [], pg_dumpall: [], psql: tools.filter((t) => t.name === 'psql'), pg_restore: tools.filter((t) => t.name === 'pg_restore') };
}

const logger = createLogger({ level: 'quiet' });

describe('chooseTools and the native loader', () => {
  it('chooses psql for plain SQL when one is installed', async () => {
    inventory = inventoryOf(psql, pgRestore);
    const plain = item('plain');
    expect((await chooseTools([plain], {}, server, logger)).get(plain)).toBe(psql);
  });

  it('falls back to the native loader for plain SQL when no psql is installed', async () => {
    inventory = inventoryOf(pgRestore);
    const plain = item('plain');
    const gz = item('plain', 'full/app.sql.gz');
    const custom = item('custom');
    const tools = await chooseTools([plain, gz, custom], {}, server, logger);
    expect(tools.get(plain)).toBe(NATIVE_LOADER);
    expect(tools.get(gz)).toBe(NATIVE_LOADER);
    expect(tools.get(custom)).toBe(pgRestore);
  });

  describe('sslrootcert=system, which psql and pg_restore older than 16 read as a file named "system"', () => {
    const system = { sslrootcert: 'system' };
    const psql17: ToolInfo = { name: 'psql', path: '/opt/pg17/bin/psql', version: { major: 17, minor: 2, text: '17.2' }, origin: 'PATH' };

    it('refuses pg_restore 15 with exit 2 before anything is restored', async () => {
      inventory = inventoryOf(psql, pgRestore);
      await expect(chooseTools([item('custom')], {}, server, logger, { connection: system })).rejects.toMatchObject({
        code: 'TOOL_INCOMPATIBLE',
        exitCode: 2,
        message: 'sslrootcert=system (the system trust store) needs client tools 16 or newer; no pg_restore here is: found /usr/bin/pg_restore (15.18)',
      });
    });

    it('restores plain SQL with the native loader rather than psql 15, and says why', async () => {
      inventory = inventoryOf(psql, pgRestore);
      const lines: string[] = [];
      const plain = item('plain');
      const told = createLogger({ level: 'normal', stderr: { write: (text: string) => lines.push(text), on: () => undefined } as unknown as NodeJS.WritableStream });
      expect((await chooseTools([plain], {}, server, told, { connection: system })).get(plain)).toBe(NATIVE_LOADER);
      expect(lines.join('')).toMatch(/no psql here is usable: sslrootcert=system .* needs client tools 16 or newer: plain SQL is restored by pgbak's native loader/);
    });

    it('takes an installed psql 16 or newer over psql 15 for a server 15', async () => {
      inventory = inventoryOf(psql, psql17, pgRestore);
      const plain = item('plain');
      expect((await chooseTools([plain], {}, server, logger, { connection: system })).get(plain)).toBe(psql17);
      expect((await chooseTools([plain], {}, server, logger, { connection: { sslrootcert: '/etc/ssl/ca.pem' } })).get(plain)).toBe(psql);
    });
  });

  it('still needs pg_restore for the archive formats', async () => {
    inventory = inventoryOf();
    await expect(chooseTools([item('custom')], {}, server, logger)).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
  });

  it('with loader native, takes the loader for plain SQL without looking for psql', async () => {
    inventory = inventoryOf(psql, pgRestore);
    discoverTools.mockClear();
    const plain = item('plain');
    const custom = item('custom');
    const tools = await chooseTools([plain, custom], {}, server, logger, { loader: 'native' });
    expect(tools.get(plain)).toBe(NATIVE_LOADER);
    expect(tools.get(custom)).toBe(pgRestore);
    expect(discoverTools.mock.calls[0]![0].names).toEqual(['pg_restore']);
  });

  it('routes plain entries to the loader for NATIVE_LOADER or --loader native, never the other formats', () => {
    expect(usesNativeLoader(item('plain'), NATIVE_LOADER, {})).toBe(true);
    expect(usesNativeLoader(item('plain'), psql, { loader: 'native' })).toBe(true);
    expect(usesNativeLoader(item('plain'), psql, { loader: 'auto' })).toBe(false);
    expect(usesNativeLoader(item('custom'), pgRestore, { loader: 'native' })).toBe(false);
  });

  it('describes a native load for --dry-run: one transaction for a database, not for the globals', () => {
    const connection = { host: 'db', port: 5432, user: 'restorer' } as Parameters<typeof describeNativeLoad>[1];
    expect(describeNativeLoad(item('plain', 'full/app.sql.gz'), connection, {})).toEqual({
      argv: [],
      env: {},
      stdin: 'full/app.sql.gz (gunzipped)',
      loader: { name: 'pgbak native loader', database: 'app_copy', server: 'restorer@db:5432', singleTransaction: true, stopOnError: true },
    });
    const globals: RestoreItem = { ...item('plain', 'globals/globals.sql'), database: null, target: 'postgres' };
    expect(describeNativeLoad(globals, connection, {}).loader).toMatchObject({ singleTransaction: false, stopOnError: false });
    expect(describeNativeLoad(item('plain'), connection, { noSingleTransaction: true }).loader).toMatchObject({ singleTransaction: false, stopOnError: true });
  });
});
