import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createTestDatabase, getCluster, query, type TestDatabase } from '../../../support/db.js';
import { nativeDumpToFile, removeNativeDumpDirs, type RoleLogin } from '../../../support/native-fidelity.js';
import { minimalReaders } from './minimal-readers.js';

const cluster = getCluster(17);
let db: TestDatabase;
let reader: RoleLogin;

// A role with only CONNECT, USAGE and SELECT, as a managed database's backup role would be.
beforeAll(async () => {
  db = await createTestDatabase(cluster, 'native_access');
  reader = { user: `pgbak_reader_${randomBytes(4).toString('hex')}`, password: randomBytes(12).toString('hex') };
  const role = pg.escapeIdentifier(reader.user);
  await query(cluster, 'postgres', `CREATE ROLE ${role} LOGIN PASSWORD '${reader.password}'`);
  await query(cluster, db.name, `
    GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(db.name)} TO ${role};
    CREATE SCHEMA app;
    CREATE TABLE app.open (id serial PRIMARY KEY, v text);
    INSERT INTO app.open (v) VALUES ('a'), ('b');
    CREATE TABLE app.secret (id int, v text);
    INSERT INTO app.secret VALUES (1, 'hidden');
    CREATE TABLE app.guarded (id int, owner_name text);
    INSERT INTO app.guarded VALUES (1, 'x');
    ALTER TABLE app.guarded ENABLE ROW LEVEL SECURITY;
    CREATE POLICY mine ON app.guarded USING (owner_name = current_user);
    GRANT USAGE ON SCHEMA app TO ${role};
    GRANT SELECT ON app.open, app.open_id_seq, app.guarded TO ${role};`);
});

afterAll(async () => {
  await db.drop();
  await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${pg.escapeIdentifier(reader.user)}`);
  await removeNativeDumpDirs();
});

const without = (...tables: string[]) => ({ includesSchema: () => true, includesTable: (_s: string, t: string) => !tables.includes(t) });

describe('native dump privilege checks', () => {
  it('refuses a table the role cannot read, naming it and the GRANT that fixes it', async () => {
    const attempt = nativeDumpToFile(cluster, db.name, { readers: minimalReaders, login: reader, readOptions: without('guarded') });
    await expect(attempt).rejects.toMatchObject({
      code: 'PRIVILEGES_MISSING',
      exitCode: 2,
      message: expect.stringMatching(/cannot read 1 table \("app"."secret"\) in the dump/),
      hint: expect.stringContaining(`GRANT SELECT ON "app"."secret" TO "${reader.user}";`),
    });
  });

  it('leaves unreadable tables out with skipUnreadable, and says so', async () => {
    const { text, result } = await nativeDumpToFile(cluster, db.name, { readers: minimalReaders, login: reader, readOptions: without('guarded'), skipUnreadable: true });
    expect(result.skipped.tables).toEqual(['"app"."secret"']);
    expect(result.warnings).toContain('no SELECT privilege on "app"."secret": its rows were left out');
    expect(text).toMatch(/^COPY "app"."open" \("id", "v"\) FROM stdin;\n1\ta\n2\tb\n\\\.$/m);
    expect(text).not.toContain('COPY "app"."secret"');
  });

  it('refuses a table whose row-level security would hide rows from the role', async () => {
    const attempt = nativeDumpToFile(cluster, db.name, { readers: minimalReaders, login: reader, readOptions: without('secret') });
    await expect(attempt).rejects.toMatchObject({
      code: 'PRIVILEGES_MISSING',
      message: `row-level security would hide rows of "app"."guarded" from role "${reader.user}"`,
      hint: expect.stringContaining(`ALTER ROLE "${reader.user}" BYPASSRLS;`),
    });
  });

  it('refuses a sequence the role cannot read, with the GRANT that fixes it', async () => {
    await query(cluster, db.name, `CREATE SEQUENCE app.counter; REVOKE ALL ON SEQUENCE app.counter FROM PUBLIC`);
    try {
      const attempt = nativeDumpToFile(cluster, db.name, { readers: minimalReaders, login: reader, readOptions: without('secret', 'guarded') });
      await expect(attempt).rejects.toMatchObject({
        message: expect.stringContaining('cannot read 1 sequence ("app"."counter")'),
        hint: expect.stringContaining(`GRANT SELECT ON SEQUENCE "app"."counter" TO "${reader.user}";`),
      });
    } finally {
      await query(cluster, db.name, 'DROP SEQUENCE app.counter');
    }
  });

  it('dumps everything a SELECT-only role can read', async () => {
    const { result } = await nativeDumpToFile(cluster, db.name, { readers: minimalReaders, login: reader, readOptions: without('secret', 'guarded') });
    expect(result.tables).toBe(1);
    expect(result.warnings).toEqual([]);
  });
});
