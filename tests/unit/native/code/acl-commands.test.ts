import { buildAclCommands, buildDefaultAclCommands, type AclTarget } from '../../../../lib/engines/native/catalog/acl-commands.js';

const table = (acl: string[] | null, extra: Partial<AclTarget> = {}): string =>
  buildAclCommands({ type: 'TABLE', name: '"public"."t"', acl, base: ['own=arwdDxt/own'], owner: 'own', serverMajor: 15, ...extra });

describe('buildAclCommands', () => {
  it('writes nothing for a NULL ACL: the object never had its privileges changed', () => {
    expect(table(null)).toBe('');
  });

  it('writes nothing when the ACL equals the default', () => {
    expect(table(['own=arwdDxt/own'])).toBe('');
  });

  it('grants what was added to the default', () => {
    expect(table(['own=arwdDxt/own', 'alice=r/own'])).toBe('GRANT SELECT ON TABLE "public"."t" TO "alice";\n');
  });

  it('grants to PUBLIC without quoting it', () => {
    expect(table(['own=arwdDxt/own', '=r/own'])).toBe('GRANT SELECT ON TABLE "public"."t" TO PUBLIC;\n');
  });

  it('revokes all from the owner and grants back what it kept when the owner lost a privilege', () => {
    expect(table(['own=arwDxt/own'])).toBe(
      'REVOKE ALL ON TABLE "public"."t" FROM "own";\n' + 'GRANT SELECT,INSERT,REFERENCES,TRIGGER,TRUNCATE,UPDATE ON TABLE "public"."t" TO "own";\n',
    );
  });

  it('revokes everything when the ACL is empty (all privileges revoked, even the owner\'s)', () => {
    expect(table([])).toBe('REVOKE ALL ON TABLE "public"."t" FROM "own";\n');
  });

  it('revokes the PUBLIC default of a function', () => {
    const sql = buildAclCommands({
      type: 'FUNCTION',
      name: '"s"."f"(a integer)',
      acl: ['own=X/own', 'bob=X*/own'],
      base: ['=X/own', 'own=X/own'],
      owner: 'own',
      serverMajor: 15,
    });
    expect(sql).toBe('REVOKE ALL ON FUNCTION "s"."f"(a integer) FROM PUBLIC;\n' + 'GRANT ALL ON FUNCTION "s"."f"(a integer) TO "bob" WITH GRANT OPTION;\n');
  });

  it('splits privileges with and without grant option into two GRANTs', () => {
    expect(table(['own=arwdDxt/own', 'alice=r*w/own'])).toBe(
      'GRANT UPDATE ON TABLE "public"."t" TO "alice";\n' + 'GRANT SELECT ON TABLE "public"."t" TO "alice" WITH GRANT OPTION;\n',
    );
  });

  it('replays a grant made by another grantor as that role, and only that grant', () => {
    expect(table(['own=arwdDxt/own', 'alice=r*/own', 'bob=r/alice'])).toBe(
      'GRANT SELECT ON TABLE "public"."t" TO "alice" WITH GRANT OPTION;\n' +
        'SET SESSION AUTHORIZATION "alice";\n' +
        'GRANT SELECT ON TABLE "public"."t" TO "bob";\n' +
        'RESET SESSION AUTHORIZATION;\n',
    );
  });

  it("puts the owner's own grants before the others, whatever the ACL order", () => {
    expect(table(['alice=r/own', 'own=arwdDxt*/own'])).toBe(
      'REVOKE ALL ON TABLE "public"."t" FROM "own";\n' +
        'GRANT SELECT,INSERT,REFERENCES,DELETE,TRUNCATE,UPDATE ON TABLE "public"."t" TO "own";\n' +
        'GRANT TRIGGER ON TABLE "public"."t" TO "own" WITH GRANT OPTION;\n' +
        'GRANT SELECT ON TABLE "public"."t" TO "alice";\n',
    );
  });

  it('quotes hostile grantees and grantors with the one quoting function', () => {
    expect(table(['own=arwdDxt/own', '"x"" y"=r*/own', '"é;--"=w/"x"" y"'])).toBe(
      'GRANT SELECT ON TABLE "public"."t" TO "x"" y" WITH GRANT OPTION;\n' +
        'SET SESSION AUTHORIZATION "x"" y";\n' +
        'GRANT UPDATE ON TABLE "public"."t" TO "é;--";\n' +
        'RESET SESSION AUTHORIZATION;\n',
    );
  });

  it('revokes a default item that reappears only with a grant option, then grants it back with the option', () => {
    expect(table(['own=a*r*w*d*D*x*t*/own'])).toBe(
      'REVOKE ALL ON TABLE "public"."t" FROM "own";\n' + 'GRANT ALL ON TABLE "public"."t" TO "own" WITH GRANT OPTION;\n',
    );
  });

  it('writes column privileges against an empty base', () => {
    const sql = buildAclCommands({ type: 'TABLE', name: '"public"."t"', column: '"c"', acl: ['alice=rw/own'], base: [], owner: 'own', serverMajor: 15 });
    expect(sql).toBe('GRANT SELECT("c"),UPDATE("c") ON TABLE "public"."t" TO "alice";\n');
  });

  it('counts MAINTAIN in a PostgreSQL 17 default', () => {
    const base = ['own=arwdDxtm/own'];
    expect(table(['own=arwdDxtm/own', 'a=m/own'], { base, serverMajor: 17 })).toBe('GRANT MAINTAIN ON TABLE "public"."t" TO "a";\n');
    expect(table(['own=arwdDxt/own'], { base, serverMajor: 17 })).toBe(
      'REVOKE ALL ON TABLE "public"."t" FROM "own";\n' + 'GRANT SELECT,INSERT,REFERENCES,DELETE,TRIGGER,TRUNCATE,UPDATE ON TABLE "public"."t" TO "own";\n',
    );
  });

  it('treats a grant with no owner known as needing its grantor', () => {
    const sql = buildAclCommands({ type: 'LARGE OBJECT', name: '42', acl: ['a=r/b'], base: [], owner: null, serverMajor: 15 });
    expect(sql).toBe('SET SESSION AUTHORIZATION "b";\nGRANT SELECT ON LARGE OBJECT 42 TO "a";\nRESET SESSION AUTHORIZATION;\n');
  });

  it('throws on an aclitem it cannot read rather than dropping a privilege', () => {
    expect(() => table(['own=arwdDxt/own', 'garbage'])).toThrow(/cannot parse aclitem/);
  });
});

describe('buildDefaultAclCommands', () => {
  it('compares a global entry with the type default and names the role', () => {
    const sql = buildDefaultAclCommands({ role: 'r "2"', schema: null, type: 'FUNCTIONS', acl: ['"r ""2"""=X/"r ""2"""'], base: ['=X/"r ""2"""', '"r ""2"""=X/"r ""2"""'], serverMajor: 15 });
    expect(sql).toBe('ALTER DEFAULT PRIVILEGES FOR ROLE "r ""2""" REVOKE ALL ON FUNCTIONS FROM PUBLIC;\n');
  });

  it('adds IN SCHEMA for a per-schema entry, whose base is empty', () => {
    const sql = buildDefaultAclCommands({ role: 'r2', schema: 'S q', type: 'SEQUENCES', acl: ['alice=U/r2'], base: [], serverMajor: 15 });
    expect(sql).toBe('ALTER DEFAULT PRIVILEGES FOR ROLE "r2" IN SCHEMA "S q" GRANT USAGE ON SEQUENCES TO "alice";\n');
  });
});
