import { grantsForAll, missingPrivilegesError, type MissingPrivileges } from '../../../../lib/engines/native/privileges.js';

const none: MissingPrivileges = { tables: { unreadable: [], schemasWithoutUsage: [], rowSecurity: [] }, sequences: [], largeObjects: [] };

describe('missingPrivilegesError', () => {
  it('names tables, sequences and large objects in one message, and every GRANT in the hint, schemas first', () => {
    const error = missingPrivilegesError(
      {
        tables: { unreadable: [{ schema: 'app', table: 'a' }, { schema: 'app', table: 'b' }, { schema: 'public', table: 'c' }], schemasWithoutUsage: ['app'], rowSecurity: [] },
        sequences: [{ schema: 'audit', name: 's', schemaUsage: false }],
        largeObjects: [42],
      },
      [],
      'bk',
    );
    expect(error.code).toBe('PRIVILEGES_MISSING');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('role "bk" cannot read 3 tables ("app"."a", "app"."b", "public"."c"), 1 sequence ("audit"."s") and 1 large object (42) in the dump');
    expect(error.hint).toBe(
      'as their owner or a superuser: GRANT USAGE ON SCHEMA "app" TO "bk"; GRANT USAGE ON SCHEMA "audit" TO "bk"; GRANT SELECT ON ALL TABLES IN SCHEMA "app" TO "bk"; ' +
        'GRANT SELECT ON "public"."c" TO "bk"; GRANT SELECT ON SEQUENCE "audit"."s" TO "bk"; GRANT SELECT ON LARGE OBJECT 42 TO "bk"; ' +
        '(or skipUnreadable: true to leave their data out); see "A role for backups" in the README',
    );
  });

  it('adds row-level security to the same message, with BYPASSRLS', () => {
    const error = missingPrivilegesError({ ...none, largeObjects: [7] }, [{ schema: 'app', table: 'guarded' }], 'bk');
    expect(error.message).toBe('role "bk" cannot read 1 large object (7) in the dump, and row-level security would hide rows of "app"."guarded" from it');
    expect(error.hint).toContain('GRANT SELECT ON LARGE OBJECT 7 TO "bk"; ALTER ROLE "bk" BYPASSRLS;');
  });

  it('shortens long lists', () => {
    const sequences = Array.from({ length: 12 }, (_, i) => ({ schema: 'public', name: `s${i}`, schemaUsage: true }));
    const error = missingPrivilegesError({ ...none, sequences }, [], 'bk');
    expect(error.message).toContain('"public"."s9" and 2 more)');
    expect(error.hint).toContain('GRANT SELECT ON ALL SEQUENCES IN SCHEMA "public" TO "bk";');
  });
});

describe('grantsForAll', () => {
  it('grants on many large objects with one DO block', () => {
    const grants = grantsForAll({ ...none, largeObjects: [1, 2, 3, 4] }, "o'brien");
    expect(grants).toEqual([
      "DO $$DECLARE o oid; BEGIN FOR o IN SELECT oid FROM pg_largeobject_metadata LOOP EXECUTE format('GRANT SELECT ON LARGE OBJECT %s TO %I', o, 'o''brien'); END LOOP; END$$;",
    ]);
  });
});
