import { PgbakError } from '../../../lib/errors.js';
import { selectTool } from '../../../lib/tools/select.js';
import type { PgVersion, ToolInfo, ToolInventory, ToolOrigin } from '../../../lib/tools/types.js';

const v = (text: string): PgVersion => {
  const [major, minor] = text.split('.').map(Number);
  return { major: major ?? 0, minor: minor ?? 0, text };
};
const dump = (path: string, version: string, origin: ToolOrigin = 'PATH'): ToolInfo => ({ name: 'pg_dump', path, version: v(version), origin });
const inventoryOf = (tools: ToolInfo[]): ToolInventory => ({ pg_dump: tools, pg_dumpall: [], pg_restore: [], psql: [] });

function thrown(fn: () => unknown): PgbakError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PgbakError) return error;
    throw error;
  }
  throw new Error('expected a PgbakError');
}

describe('selectTool', () => {
  it('prefers the same major as the server over a newer one', () => {
    const tools = [dump('/a/17/pg_dump', '17.2'), dump('/a/15/pg_dump', '15.18', 'install-dir'), dump('/a/16/pg_dump', '16.4')];
    expect(selectTool(inventoryOf(tools), 'pg_dump', v('15.3')).path).toBe('/a/15/pg_dump');
  });

  it('takes the nearest newer major when the same major is missing', () => {
    const tools = [dump('/a/17/pg_dump', '17.2'), dump('/a/13/pg_dump', '13.4'), dump('/a/16/pg_dump', '16.4')];
    expect(selectTool(inventoryOf(tools), 'pg_dump', v('15.3')).path).toBe('/a/16/pg_dump');
  });

  it('breaks ties by origin, PGBAK_PG_BIN first, then by the higher minor', () => {
    const tools = [dump('/inst/pg_dump', '16.9', 'install-dir'), dump('/path/pg_dump', '16.1', 'PATH'), dump('/pin/pg_dump', '16.0', 'PGBAK_PG_BIN')];
    expect(selectTool(inventoryOf(tools), 'pg_dump', v('16.2')).path).toBe('/pin/pg_dump');
    const samePlace = [dump('/p1/pg_dump', '16.1'), dump('/p2/pg_dump', '16.8')];
    expect(selectTool(inventoryOf(samePlace), 'pg_dump', v('16.2')).path).toBe('/p2/pg_dump');
  });

  it('accepts a tool that is newer in minor only or older in minor', () => {
    expect(selectTool(inventoryOf([dump('/p/pg_dump', '15.1')]), 'pg_dump', v('15.18')).version.text).toBe('15.1');
  });

  it('fails with TOOL_INCOMPATIBLE naming the server and every tool found when all are older', () => {
    const tools = [dump('/usr/lib/postgresql/15/bin/pg_dump', '15.18'), dump('/opt/13/pg_dump', '13.4')];
    const error = thrown(() => selectTool(inventoryOf(tools), 'pg_dump', v('17.2')));
    expect(error.code).toBe('TOOL_INCOMPATIBLE');
    expect(error.message).toContain('PostgreSQL 17.2');
    expect(error.message).toContain('/usr/lib/postgresql/15/bin/pg_dump (15.18)');
    expect(error.message).toContain('/opt/13/pg_dump (13.4)');
    expect(error.hint).toBe(
      'install postgresql-client-17 (Debian/Ubuntu: apt-get install postgresql-client-17; RHEL: dnf install postgresql17; ' +
        'macOS: brew install postgresql@17) or point PGBAK_PG_BIN at its bin directory',
    );
  });

  it('fails with TOOL_NOT_FOUND when there is no such tool at all', () => {
    const error = thrown(() => selectTool(inventoryOf([dump('/p/pg_dump', '17.0')]), 'pg_restore', v('16.1')));
    expect(error.code).toBe('TOOL_NOT_FOUND');
    expect(error.message).toContain('pg_restore');
    expect(error.hint).toContain('postgresql-client-16');
  });

  it('honours a floor above the server, such as the pg_dump that wrote an archive', () => {
    const tools = [dump('/p/15/pg_dump', '15.18'), dump('/p/17/pg_dump', '17.2')];
    expect(selectTool(inventoryOf(tools), 'pg_dump', v('15.2'), { atLeast: v('16.0') }).path).toBe('/p/17/pg_dump');
    const error = thrown(() => selectTool(inventoryOf([tools[0]!]), 'pg_dump', v('15.2'), { atLeast: v('16.0') }));
    expect(error.code).toBe('TOOL_INCOMPATIBLE');
    expect(error.message).toContain('archive from PostgreSQL 16.0');
  });

  it('compares pre-10 majors by both numbers', () => {
    const tools = [dump('/p/95/pg_dump', '9.5.25'), dump('/p/96/pg_dump', '9.6.24')];
    tools[0]!.version = { major: 9.5, minor: 25, text: '9.5.25' };
    tools[1]!.version = { major: 9.6, minor: 24, text: '9.6.24' };
    expect(selectTool(inventoryOf(tools), 'pg_dump', { major: 9.6, minor: 2, text: '9.6.2' }).path).toBe('/p/96/pg_dump');
    const error = thrown(() => selectTool(inventoryOf([tools[0]!]), 'pg_dump', { major: 9.6, minor: 2, text: '9.6.2' }));
    expect(error.hint).toContain('postgresql-client-9.6');
    expect(error.hint).toContain('dnf install postgresql96');
  });
});
