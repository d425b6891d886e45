import { invertGrants } from '../../../lib/compare/sql-grants.js';
import { dropStatements } from '../../../lib/compare/sql-drop.js';
import { memberName, qualifiedAfter } from '../../../lib/compare/sql-names.js';
import type { ModelObject } from '../../../lib/compare/model.js';

const object = (kind: string, rest: string, sql = ''): ModelObject => ({ id: `${kind} ${rest}`, kind, schema: 's', name: 'x', sql });

describe('invertGrants', () => {
  it('undoes GRANT and REVOKE statements last first, quoted names with TO and FROM inside included', () => {
    const sql = 'REVOKE ALL ON TABLE "s"."a TO b" FROM "owner";\nGRANT SELECT("c FROM d") ON TABLE "s"."a TO b" TO "Reader Role" WITH GRANT OPTION;\n';
    expect(invertGrants(sql)[0]!.sql).toBe('REVOKE SELECT("c FROM d") ON TABLE "s"."a TO b" FROM "Reader Role";\nGRANT ALL ON TABLE "s"."a TO b" TO "owner";');
  });

  it('keeps the ALTER DEFAULT PRIVILEGES prefix', () => {
    const sql = 'ALTER DEFAULT PRIVILEGES FOR ROLE "r" IN SCHEMA "s" GRANT SELECT ON TABLES TO "x";\n';
    expect(invertGrants(sql)[0]!.sql).toBe('ALTER DEFAULT PRIVILEGES FOR ROLE "r" IN SCHEMA "s" REVOKE SELECT ON TABLES FROM "x";');
  });
});

describe('names from entry ids', () => {
  it('splits a table member id, hostile names included', () => {
    expect(memberName(object('CONSTRAINT', '"s"."t ""x"" y" "c k"'))).toEqual({ table: '"s"."t ""x"" y"', member: '"c k"' });
  });

  it('reads the qualified name after a prefix', () => {
    expect(qualifiedAfter('ALTER TABLE ONLY "a"."b ""c""" ATTACH PARTITION "a"."p" FOR VALUES IN (1);', 'ALTER TABLE ONLY ')).toBe('"a"."b ""c"""');
  });
});

describe('dropStatements', () => {
  it('drops table members on their table and marks it destructive', () => {
    expect(dropStatements(object('TRIGGER', '"s"."t" "trg"'))).toEqual([{ sql: 'DROP TRIGGER IF EXISTS "trg" ON "s"."t";', destructive: 'drops TRIGGER "s"."t" "trg"' }]);
    expect(dropStatements(object('CONSTRAINT', '"s"."d" "c"', 'ALTER DOMAIN "s"."d" ADD CONSTRAINT "c" CHECK (VALUE > 0) NOT VALID;'))[0]!.sql).toBe('ALTER DOMAIN "s"."d" DROP CONSTRAINT IF EXISTS "c";');
  });

  it('drops the database-wide and text search kinds by their own keyword', () => {
    expect(dropStatements(object('CAST', '("s"."a" AS "s"."b")'))[0]!.sql).toBe('DROP CAST IF EXISTS ("s"."a" AS "s"."b");');
    expect(dropStatements(object('PROCEDURAL LANGUAGE', '"pl x"'))[0]!.sql).toBe('DROP LANGUAGE IF EXISTS "pl x";');
    expect(dropStatements(object('OPERATOR', '"s".===(integer, integer)'))[0]!.sql).toBe('DROP OPERATOR IF EXISTS "s".===(integer, integer);');
    expect(dropStatements(object('TEXT SEARCH CONFIGURATION', '"s"."c"'))[0]!.sql).toBe('DROP TEXT SEARCH CONFIGURATION IF EXISTS "s"."c";');
  });

  it('drops an operator class or family with the access method its id carries', () => {
    expect(dropStatements(object('OPERATOR CLASS', '"s"."c" USING "btree"'))[0]!.sql).toBe('DROP OPERATOR CLASS IF EXISTS "s"."c" USING "btree";');
    expect(dropStatements(object('OPERATOR FAMILY', '"s"."f" USING "hash"'))[0]!.sql).toBe('DROP OPERATOR FAMILY IF EXISTS "s"."f" USING "hash";');
  });

  it('drops an identity sequence by dropping the identity', () => {
    const seq = { ...object('SEQUENCE', '"s"."t_id_seq"'), details: { 'identity of': '"s"."t" ALTER COLUMN "id"' } };
    expect(dropStatements(seq)[0]!.sql).toBe('ALTER TABLE "s"."t" ALTER COLUMN "id" DROP IDENTITY IF EXISTS;');
  });

  it('detaches a partition and clears a comment', () => {
    expect(dropStatements(object('TABLE ATTACH', '"s"."p1"', 'ALTER TABLE ONLY "s"."p" ATTACH PARTITION "s"."p1" FOR VALUES IN (1);\n'))[0]!.sql).toBe('ALTER TABLE "s"."p" DETACH PARTITION "s"."p1";');
    expect(dropStatements(object('COMMENT', 'TABLE "s"."t"'))[0]!.sql).toBe('COMMENT ON TABLE "s"."t" IS NULL;');
  });
});
