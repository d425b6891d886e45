import { PgbakError } from '../../../lib/errors.js';
import { parseServerVersionNum, parseToolVersion } from '../../../lib/tools/version.js';

describe('parseToolVersion', () => {
  it('reads the version from a Debian-built pg_dump', () => {
    expect(parseToolVersion('pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n')).toEqual({ major: 15, minor: 18, text: '15.18' });
  });

  it('reads a pre-release as minor 0', () => {
    expect(parseToolVersion('pg_dump (PostgreSQL) 17beta1')).toEqual({ major: 17, minor: 0, text: '17beta1' });
    expect(parseToolVersion('psql (PostgreSQL) 18devel')).toEqual({ major: 18, minor: 0, text: '18devel' });
  });

  it('names a pre-10 major by its two numbers', () => {
    expect(parseToolVersion('9.6.24')).toEqual({ major: 9.6, minor: 24, text: '9.6.24' });
    expect(parseToolVersion('pg_dump (PostgreSQL) 9.5.25')).toEqual({ major: 9.5, minor: 25, text: '9.5.25' });
  });

  it('reads a bare server_version with a distribution suffix', () => {
    expect(parseToolVersion('16.4 (Ubuntu 16.4-1.pgdg22.04+1)')).toEqual({ major: 16, minor: 4, text: '16.4' });
  });

  it('finds the version line among other output', () => {
    expect(parseToolVersion('warning: something\npg_restore (PostgreSQL) 13.4\n')).toEqual({ major: 13, minor: 4, text: '13.4' });
  });

  it('refuses output that is not PostgreSQL', () => {
    expect(parseToolVersion('pg_dump (Greenplum Database) 6.1.0')).toBeNull();
    expect(parseToolVersion('command not found')).toBeNull();
    expect(parseToolVersion('')).toBeNull();
    expect(parseToolVersion('9')).toBeNull();
  });
});

describe('parseServerVersionNum', () => {
  it('splits a 10+ server_version_num into major and minor', () => {
    expect(parseServerVersionNum(150018)).toEqual({ major: 15, minor: 18, text: '15.18' });
    expect(parseServerVersionNum('170000')).toEqual({ major: 17, minor: 0, text: '17.0' });
  });

  it('keeps the two-number major of pre-10 servers', () => {
    expect(parseServerVersionNum(90624)).toEqual({ major: 9.6, minor: 24, text: '9.6.24' });
  });

  it('rejects values that are not a server_version_num', () => {
    expect(() => parseServerVersionNum('abc')).toThrow(PgbakError);
    expect(() => parseServerVersionNum(15)).toThrow(/unexpected server_version_num/);
  });
});
