import { describePrivileges, formatAclRole, parseAclItem, privilegesOf } from '../../../../lib/engines/native/catalog/acl-items.js';

describe('parseAclItem', () => {
  it('reads grantee, privileges and grantor of a plain item', () => {
    expect(parseAclItem('alice=arw/bob')).toEqual({ grantee: 'alice', privileges: 'arw', grantor: 'bob' });
  });

  it('reads an empty grantee as PUBLIC', () => {
    expect(parseAclItem('=X/owner')).toEqual({ grantee: '', privileges: 'X', grantor: 'owner' });
  });

  it('keeps the grant-option stars with their letters', () => {
    expect(parseAclItem('r2=a*r*w/r2')?.privileges).toBe('a*r*w');
  });

  it('unquotes role names with quotes, spaces, = and / in them', () => {
    expect(parseAclItem('"r ""x""=/1"=r/"own er"')).toEqual({ grantee: 'r "x"=/1', privileges: 'r', grantor: 'own er' });
  });

  it('reads unicode role names the server quotes', () => {
    expect(parseAclItem('"rôle 🐘"=U/postgres')?.grantee).toBe('rôle 🐘');
  });

  it('refuses text that is no aclitem', () => {
    expect(parseAclItem('alice')).toBeNull();
    expect(parseAclItem('alice=r')).toBeNull();
    expect(parseAclItem('"unterminated=r/x')).toBeNull();
    expect(parseAclItem('a=r/"b" junk')).toBeNull();
  });
});

describe('formatAclRole', () => {
  it('leaves names of letters, digits and _ bare, upper case included (as the server does)', () => {
    expect(formatAclRole('pg_database_owner')).toBe('pg_database_owner');
    expect(formatAclRole('Admin2')).toBe('Admin2');
  });

  it('quotes anything else, doubling quotes', () => {
    expect(formatAclRole('r "x"')).toBe('"r ""x"""');
    expect(formatAclRole('café')).toBe('"café"');
  });

  it('round-trips through parseAclItem', () => {
    const name = 'we"ird = / name';
    expect(parseAclItem(`${formatAclRole(name)}=U/${formatAclRole(name)}`)).toEqual({ grantee: name, grantor: name, privileges: 'U' });
  });
});

describe('describePrivileges', () => {
  it('lists table privileges in pg_dump order', () => {
    expect(describePrivileges('wra', 'TABLE', { serverMajor: 15 })).toEqual({ plain: 'SELECT,INSERT,UPDATE', withGrantOption: '' });
  });

  it('says ALL when every privilege of the type is held', () => {
    expect(describePrivileges('arwdDxt', 'TABLE', { serverMajor: 15 }).plain).toBe('ALL');
    expect(describePrivileges('X', 'FUNCTION', { serverMajor: 15 }).plain).toBe('ALL');
    expect(describePrivileges('UC', 'SCHEMA', { serverMajor: 15 }).plain).toBe('ALL');
  });

  it('needs MAINTAIN for ALL on a PostgreSQL 17 table', () => {
    expect(describePrivileges('arwdDxt', 'TABLE', { serverMajor: 17 }).plain).toBe('SELECT,INSERT,REFERENCES,DELETE,TRIGGER,TRUNCATE,UPDATE');
    expect(describePrivileges('arwdDxtm', 'TABLE', { serverMajor: 17 }).plain).toBe('ALL');
    expect(privilegesOf('TABLE', { column: false, serverMajor: 15 }).map(([letter]) => letter)).not.toContain('m');
  });

  it('says ALL WITH GRANT OPTION only when every privilege carries the option', () => {
    expect(describePrivileges('a*r*w*d*D*x*t*', 'TABLE', { serverMajor: 15 })).toEqual({ plain: '', withGrantOption: 'ALL' });
    expect(describePrivileges('a*r*wd*D*x*t*', 'TABLE', { serverMajor: 15 })).toEqual({
      plain: 'UPDATE',
      withGrantOption: 'SELECT,INSERT,REFERENCES,DELETE,TRIGGER,TRUNCATE',
    });
  });

  it('writes column privileges with the column after each keyword', () => {
    expect(describePrivileges('rw', 'TABLE', { column: '"a ""b"', serverMajor: 15 })).toEqual({ plain: 'SELECT("a ""b"),UPDATE("a ""b")', withGrantOption: '' });
    expect(describePrivileges('arwx', 'TABLE', { column: '"c"', serverMajor: 17 }).plain).toBe('ALL("c")');
  });

  it('ignores letters the type cannot hold', () => {
    expect(describePrivileges('rwU', 'SEQUENCE', { serverMajor: 15 }).plain).toBe('ALL');
    expect(describePrivileges('r', 'LARGE OBJECT', { serverMajor: 15 }).plain).toBe('SELECT');
    expect(describePrivileges('C', 'TYPE', { serverMajor: 15 }).plain).toBe('');
  });
});
