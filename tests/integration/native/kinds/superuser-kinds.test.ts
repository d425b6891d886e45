// Event triggers, hand-made procedural languages, text search parsers and
// templates: a role with only CONNECT and SELECT can dump them (their catalogs
// are readable by all), only a superuser can restore them — as with pg_dump. The round trip
// must compare identical, and the event triggers come last, after the grants,
// so they fire on none of the restore's own DDL.
import { randomBytes } from 'node:crypto';
import { createTestDatabase, getCluster, hasClientTools, query, type ClusterInfo, type TestDatabase } from '../../../support/db.js';
import { expectNativeRoundTrip, nativeDumpToFile, removeNativeDumpDirs } from '../../../support/native-fidelity.js';
import { quoteIdent } from '../../../../lib/sql/quote.js';
import { superuserKindsSeed } from './seed.js';

const describeWithTools = hasClientTools(['pg_dump', 'psql']) ? describe : describe.skip;

describeWithTools.each([15, 17])('a native dump of event triggers, languages and text search parsers on PostgreSQL %i', (major) => {
  const suffix = randomBytes(3).toString('hex');
  const reader = `kinds_reader_${suffix}`;
  const owner = quoteIdent(`Evt "owner" ${suffix}`);
  let cluster: ClusterInfo;
  let source: TestDatabase;

  beforeAll(async () => {
    cluster = getCluster(major);
    await query(cluster, 'postgres', `CREATE ROLE ${reader} LOGIN PASSWORD 'pw'; CREATE ROLE ${owner} SUPERUSER`);
    source = await createTestDatabase(cluster, `kinds_super_${major}`);
    await query(cluster, source.name, superuserKindsSeed(owner));
    await query(cluster, source.name, `GRANT CONNECT ON DATABASE ${source.name} TO ${reader}`);
  });

  afterAll(async () => {
    await source?.drop();
    await removeNativeDumpDirs();
    if (cluster) await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${reader}; DROP ROLE IF EXISTS ${owner}`);
  });

  it('is dumped by a SELECT-only role and restored by a superuser into a copy that compares identical', async () => {
    const { target, dump } = await expectNativeRoundTrip(cluster, source.name, { login: { user: reader, password: 'pw' } });
    await target.drop();
    expect(dump.text).toContain(`CREATE EVENT TRIGGER "Evt ""1"" ü" ON "ddl_command_start"\n         WHEN TAG IN ('CREATE TABLE', 'DROP TABLE')\n`);
    expect(dump.text).toContain('ALTER EVENT TRIGGER "evt_drop" DISABLE;');
    expect(dump.text).toContain('ALTER EVENT TRIGGER "evt_end" ENABLE REPLICA;');
    expect(dump.text).toContain('ALTER EVENT TRIGGER "evt_rewrite" ENABLE ALWAYS;');
    expect(dump.text).toContain(`COMMENT ON EVENT TRIGGER "evt_drop" IS 'drop ''watch''';`);
    expect(dump.text).toMatch(/CREATE TRUSTED PROCEDURAL LANGUAGE "My PL ""x""" HANDLER .*"Pl handler" INLINE .*"Pl inline" VALIDATOR .*"Pl validator";/);
    expect(dump.text).toContain('CREATE PROCEDURAL LANGUAGE "Untrusted pl" HANDLER');
    expect(dump.text).toContain(`COMMENT ON LANGUAGE "My PL ""x""" IS 'a copy of plpgsql';`);
    expect(dump.text).toContain('REVOKE ALL ON LANGUAGE "My PL ""x""" FROM PUBLIC;');
    expect(dump.text).toContain('CREATE TEXT SEARCH PARSER "Kö ""k"" S"."Prs ü" (\n    START = prsd_start,\n    GETTOKEN = prsd_nexttoken,\n    END = prsd_end,\n    HEADLINE = prsd_headline,\n    LEXTYPES = prsd_lextype );');
    expect(dump.text).toContain('CREATE TEXT SEARCH TEMPLATE "Kö ""k"" S"."lexize_only" (\n    LEXIZE = dsimple_lexize );');
    expect(dump.result.warnings).toEqual([]);
  });

  it('writes the event triggers after every grant and before nothing but refreshes', async () => {
    const { text } = await nativeDumpToFile(cluster, source.name);
    const firstTrigger = text.indexOf('CREATE EVENT TRIGGER');
    expect(firstTrigger).toBeGreaterThan(text.lastIndexOf('GRANT '));
    expect(firstTrigger).toBeGreaterThan(text.lastIndexOf('REVOKE '));
    expect(firstTrigger).toBeGreaterThan(text.lastIndexOf('CREATE FUNCTION'));
  });

  it('leaves event triggers and languages out of a dump narrowed by patterns', async () => {
    const { text } = await nativeDumpToFile(cluster, source.name, { readOptions: { includesDatabaseObjects: false } });
    expect(text).not.toContain('EVENT TRIGGER');
    expect(text).not.toContain('PROCEDURAL LANGUAGE');
    expect(text).not.toContain('ON LANGUAGE');
  });
});
