import type { ManifestDatabaseDefinition } from '../../../../lib/archive/index.js';
import { createDatabaseStatements, databasePropertyStatements, formatConfigSetting, rolesNamedBy, splitGucList } from '../../../../lib/engines/native/database/render-sql.js';

const libc: ManifestDatabaseDefinition = {
  owner: 'app owner',
  encoding: 'UTF8',
  localeProvider: 'libc',
  collate: 'en_US.UTF-8',
  ctype: 'en_US.UTF-8',
  locale: null,
  icuRules: null,
  tablespace: null,
  connectionLimit: -1,
  isTemplate: false,
  comment: null,
  securityLabels: [],
  acl: null,
  aclDefault: ['=Tc/"app owner"', '"app owner"=CTc/"app owner"'],
  settings: [],
};

describe('CREATE DATABASE as pg_dump --create writes it', () => {
  it('names the locale once when collate and ctype agree, and the provider from 15 on', () => {
    expect(createDatabaseStatements(libc, 'Copy "1"', { serverMajor: 15, sourceMajor: 15 })).toEqual([
      `CREATE DATABASE "Copy ""1""" WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'en_US.UTF-8'`,
      'ALTER DATABASE "Copy ""1""" OWNER TO "app owner"',
    ]);
  });

  it('leaves LOCALE_PROVIDER out for a server before 15, which does not know the keyword', () => {
    const [create] = createDatabaseStatements({ ...libc, ctype: 'C' }, 'x', { serverMajor: 14, sourceMajor: 14 });
    expect(create).toBe(`CREATE DATABASE "x" WITH TEMPLATE = template0 ENCODING = 'UTF8' LC_COLLATE = 'en_US.UTF-8' LC_CTYPE = 'C'`);
  });

  it('writes ICU_LOCALE and ICU_RULES for ICU, BUILTIN_LOCALE for the builtin provider, a tablespace, and no owner with noOwner', () => {
    const icu = { ...libc, localeProvider: 'icu' as const, locale: "de-DE-u-co-phonebk", icuRules: "&a < 'b'", tablespace: 'Fast "TS"' };
    expect(createDatabaseStatements(icu, 'x', { serverMajor: 16, sourceMajor: 16, noOwner: true })).toEqual([
      `CREATE DATABASE "x" WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = icu LOCALE = 'en_US.UTF-8' ICU_LOCALE = 'de-DE-u-co-phonebk' ICU_RULES = '&a < ''b''' TABLESPACE = "Fast ""TS"""`,
    ]);
    const builtin = { ...libc, localeProvider: 'builtin' as const, collate: 'C', ctype: 'C', locale: 'C.UTF-8' };
    expect(createDatabaseStatements(builtin, 'x', { serverMajor: 17, sourceMajor: 17 })[0]).toBe(
      `CREATE DATABASE "x" WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = builtin LOCALE = 'C' BUILTIN_LOCALE = 'C.UTF-8'`,
    );
  });
});

describe('the database properties restore gives the database it created', () => {
  it('writes comment, labels, limit, template flag, settings and grants in pg_dump’s order, for the new name', () => {
    const definition: ManifestDatabaseDefinition = {
      ...libc,
      comment: "it's \"ours\"",
      securityLabels: [{ provider: 'selinux', label: 'system_u:object_r:sepgsql_db_t:s0' }],
      connectionLimit: 5,
      isTemplate: true,
      settings: [
        { role: null, setting: 'search_path="My ""S""", public' },
        { role: 'Reader R', setting: 'work_mem=5MB' },
      ],
      acl: ['"app owner"=CTc/"app owner"', '=c/"app owner"', 'reader=C*c/"app owner"'],
    };
    expect(databasePropertyStatements(definition, 'New db', { serverMajor: 17, sourceMajor: 15 })).toEqual([
      `COMMENT ON DATABASE "New db" IS 'it''s "ours"'`,
      `SECURITY LABEL FOR "selinux" ON DATABASE "New db" IS 'system_u:object_r:sepgsql_db_t:s0'`,
      'ALTER DATABASE "New db" CONNECTION LIMIT = 5',
      'ALTER DATABASE "New db" IS_TEMPLATE = true',
      `ALTER DATABASE "New db" SET "search_path" TO 'My "S"', 'public'`,
      `ALTER ROLE "Reader R" IN DATABASE "New db" SET "work_mem" TO '5MB'`,
      'REVOKE CONNECT,TEMPORARY ON DATABASE "New db" FROM PUBLIC',
      'GRANT CONNECT ON DATABASE "New db" TO PUBLIC',
      'GRANT CONNECT ON DATABASE "New db" TO "reader"',
      'GRANT CREATE ON DATABASE "New db" TO "reader" WITH GRANT OPTION',
    ]);
    expect(databasePropertyStatements(definition, 'New db', { serverMajor: 17, sourceMajor: 15, noPrivileges: true }).some((s) => /GRANT|REVOKE/.test(s))).toBe(false);
  });

  it('writes nothing for a database with default properties', () => {
    expect(databasePropertyStatements(libc, 'x', { serverMajor: 17, sourceMajor: 17 })).toEqual([]);
  });
});

describe('settings as pg_dump’s makeAlterConfigCommand writes them', () => {
  it('splits list settings as the server does: quotes, doubled quotes, commas inside quotes, blanks', () => {
    expect(splitGucList('"$user", public')).toEqual(['$user', 'public']);
    expect(splitGucList('"a,b", "c ""d"""')).toEqual(['a,b', 'c "d"']);
    expect(splitGucList('""')).toEqual(['']);
    expect(formatConfigSetting('temp_tablespaces=ts1,"Ts 2"')).toBe(`"temp_tablespaces" TO 'ts1', 'Ts 2'`);
  });

  it('writes any other value as one literal, commas and quotes included', () => {
    expect(formatConfigSetting("application_name=a, 'b'")).toBe(`"application_name" TO 'a, ''b'''`);
    expect(formatConfigSetting('my.setting=x=y')).toBe(`"my.setting" TO 'x=y'`);
  });
});

describe('the roles a database definition names', () => {
  it('lists owner, settings roles, grantees and grantors but PUBLIC; without what --no-owner and --no-privileges leave out', () => {
    const definition: ManifestDatabaseDefinition = {
      ...libc,
      settings: [{ role: 'Set "R"', setting: 'work_mem=1MB' }, { role: null, setting: 'work_mem=2MB' }],
      acl: ['=c/"app owner"', '"Grantee ü"=c/"Grantor G"'],
    };
    expect(rolesNamedBy(definition, {})).toEqual(['app owner', 'Set "R"', 'Grantee ü', 'Grantor G']);
    expect(rolesNamedBy(definition, { noOwner: true, noPrivileges: true })).toEqual(['Set "R"']);
  });
});
