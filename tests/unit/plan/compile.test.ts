import { inspect } from 'node:util';
import { PgbakError } from '../../../lib/errors.js';
import { Secret } from '../../../lib/config/secret.js';
import { dbnameArg } from '../../../lib/plan/compile.js';
import type { PgDumpPlanStep, Plan } from '../../../lib/plan/types.js';
import { thrown } from '../config/support.js';
import { CONN, PASSWORD, compileProfile as compileAny, connection, inventory, profileOf, stepProfile, tool, type CompileOptions } from './support.js';

// These tests are about pg_dump argument vectors: every step must be a pg_dump one
// (engine choice has its own tests in engine.test.ts).
type PgDumpPlan = Omit<Plan, 'steps'> & { steps: PgDumpPlanStep[] };
function compileProfile(...args: Parameters<typeof compileAny>): PgDumpPlan {
  const plan = compileAny(...args);
  for (const step of plan.steps) if (step.engine !== 'pg_dump') throw new Error(`expected a pg_dump step, got ${step.engine}`);
  return plan as PgDumpPlan;
}

const BASE_ENV = { PGAPPNAME: 'pgbak', LC_MESSAGES: 'C', PGCONNECT_TIMEOUT: '15' };

/** The one step of a one-step profile. */
function onlyStep(stepYaml: string, options?: CompileOptions): PgDumpPlanStep {
  const plan = compileProfile(stepProfile(stepYaml), options);
  expect(plan.steps).toHaveLength(1);
  return plan.steps[0]!;
}

const argsOf = (stepYaml: string, options?: CompileOptions) => onlyStep(stepYaml, options).args;

function compileError(stepYaml: string, options?: CompileOptions): PgbakError {
  return thrown(() => compileProfile(stepProfile(stepYaml), options));
}

describe('compile', () => {
  describe('the plan', () => {
    it('expands the S3 prefix placeholders with the host, the archive label and the profile name', () => {
      const plan = compileProfile(stepProfile('kind: full'), {
        storage: [{ kind: 's3', bucket: 'acme', prefix: 'pg/{host}/{database}/{profile}', region: 'us-east-1' }, { kind: 'local', dir: '/copies' }],
      });
      expect(plan.storage).toEqual([
        { kind: 's3', bucket: 'acme', prefix: 'pg/db.internal/app/test/', region: 'us-east-1' },
        { kind: 'local', dir: '/copies' },
      ]);
    });

    it('describes the profile, the public connection, the server and the archive name', () => {
      const plan = compileProfile(stepProfile('kind: full'));
      expect({ ...plan, steps: plan.steps.length }).toEqual({
        profile: { name: 'test', file: '/profiles/test.yaml', origin: 'user', sha256: 'f'.repeat(64) },
        connection: { host: 'db.internal', port: 5432, user: 'backup', database: 'app' },
        server: { major: 15, minor: 8, text: '15.8' },
        outputDir: '/backups',
        archiveName: 'test-app-20261122T010000Z.zip',
        storage: [{ kind: 'local', dir: '/backups' }],
        databases: ['app'],
        allDatabases: false,
        rowCounts: 'exact',
        schemaModel: true,
        zipCompressionLevel: 1,
        verify: false,
        retention: null,
        steps: 1,
      });
    });

    it('takes schemaModel from the profile (stored unless it says false)', () => {
      expect(compileProfile(profileOf('schemaModel: false\nsteps:\n  - kind: full\n')).schemaModel).toBe(false);
    });

    it('takes rowCounts from the profile', () => {
      expect(compileProfile(profileOf('rowCounts: estimate\nsteps:\n  - kind: full\n')).rowCounts).toBe('estimate');
    });
  });

  describe('kinds', () => {
    it('compiles full to a custom-format pg_dump with large objects', () => {
      expect(onlyStep('kind: full')).toEqual({
        engine: 'pg_dump',
        fallback: true,
        nativeOptions: { noOwner: false, noPrivileges: false, jobs: 1, skipUnreadable: false, noRolePasswords: false, lockWaitTimeout: null },
        scope: { schemas: [], excludeSchemas: [], tables: [], excludeTables: [], excludeTableData: [] },
        step: 'full',
        kind: 'full',
        database: 'app',
        format: 'custom',
        tool: tool('pg_dump', '15.8'),
        args: [...CONN, '--dbname=app', '--format=custom', '--blobs', '--verbose'],
        env: BASE_ENV,
        output: { type: 'stream', entry: 'full/app.dump', compress: false },
        snapshot: true,
        tableScope: { schemas: [], excludeSchemas: [], tables: [], excludeTables: [], excludeTableData: [] },
        countLargeObjects: true,
      });
    });

    it('uses --large-objects instead of --blobs with pg_dump 16 and later', () => {
      expect(argsOf('kind: full', { server: '16.4' })).toEqual([...CONN, '--dbname=app', '--format=custom', '--large-objects', '--verbose']);
      expect(argsOf('kind: full', { server: '17.2' })).toContain('--large-objects');
    });

    it('compiles schema-only to plain SQL without table scope, stored compressed by the zip', () => {
      const step = onlyStep('kind: schema-only');
      expect(step.args).toEqual([...CONN, '--dbname=app', '--format=plain', '--schema-only', '--verbose']);
      expect(step.output).toEqual({ type: 'stream', entry: 'schema-only/app.sql', compress: true });
      expect(step.tableScope).toBeNull();
      expect(step.countLargeObjects).toBe(false);
      expect(step.snapshot).toBe(true);
    });

    it('compiles data-only to a custom-format --data-only dump', () => {
      const step = onlyStep('kind: data-only');
      expect(step.args).toEqual([...CONN, '--dbname=app', '--format=custom', '--data-only', '--verbose']);
      expect(step.output).toEqual({ type: 'stream', entry: 'data-only/app.dump', compress: false });
      expect(step.tableScope).not.toBeNull();
      // an unnarrowed data-only dump carries the large objects, so the manifest counts them
      expect(step.countLargeObjects).toBe(true);
    });

    it('compiles tables with --strict-names and one --table per pattern, in order', () => {
      const step = onlyStep('kind: tables\ntables: [public.orders, \'"Billing"."Invoices"\', "audit.*"]');
      expect(step.args).toEqual([
        ...CONN,
        '--dbname=app',
        '--format=custom',
        '--strict-names',
        '--table=public.orders',
        '--table="Billing"."Invoices"',
        '--table=audit.*',
        '--verbose',
      ]);
      expect(step.tableScope?.tables).toEqual(['public.orders', '"Billing"."Invoices"', 'audit.*']);
    });

    it('passes --strict-names to every kind a --schema or --table pattern narrows, not to exclusions alone', () => {
      expect(onlyStep('kind: full\nschemas: [app]').args).toContain('--strict-names');
      expect(onlyStep('kind: schema-only\ntables: [orders]').args).toContain('--strict-names');
      expect(onlyStep('kind: data-only\nschemas: [app]').args).toContain('--strict-names');
      expect(onlyStep('kind: full\nexcludeSchemas: [audit]\nexcludeTables: [tmp]').args).not.toContain('--strict-names');
    });

    it('refuses kind tables without any table, pointing at --table', () => {
      const error = compileError('kind: tables');
      expect(error.code).toBe('USAGE');
      expect(error.message).toContain('/profiles/test.yaml: steps[0]');
      expect(error.message).toContain('--table');
    });

    it('compiles large-objects to data-only with every schema excluded and no table scope', () => {
      const step = onlyStep('kind: large-objects');
      expect(step.args).toEqual([...CONN, '--dbname=app', '--format=custom', '--data-only', '--blobs', '--exclude-schema=*', '--verbose']);
      expect(step.output).toEqual({ type: 'stream', entry: 'large-objects/app.dump', compress: false });
      expect(step.tableScope).toBeNull();
      expect(step.countLargeObjects).toBe(true);
    });

    it('compiles large-objects with --large-objects for pg_dump 16', () => {
      expect(argsOf('kind: large-objects', { server: '16.4' })).toEqual([
        ...CONN,
        '--dbname=app',
        '--format=custom',
        '--data-only',
        '--large-objects',
        '--exclude-schema=*',
        '--verbose',
      ]);
    });

    it('compiles globals-only to pg_dumpall --globals-only on the connection database, without a snapshot', () => {
      expect(onlyStep('kind: globals-only')).toEqual({
        engine: 'pg_dump',
        fallback: true,
        nativeOptions: { noOwner: false, noPrivileges: false, jobs: 1, skipUnreadable: false, noRolePasswords: false, lockWaitTimeout: null },
        scope: { schemas: [], excludeSchemas: [], tables: [], excludeTables: [], excludeTableData: [] },
        step: 'globals-only',
        kind: 'globals-only',
        database: null,
        format: 'plain',
        tool: tool('pg_dumpall', '15.8'),
        args: [...CONN, '--database=app', '--globals-only', '--verbose'],
        env: BASE_ENV,
        output: { type: 'stream', entry: 'globals-only/globals.sql', compress: true },
        snapshot: false,
        tableScope: null,
        countLargeObjects: false,
      });
    });

    it('compiles globals-only options: --no-role-passwords, --no-owner, --no-privileges, lock timeout, extra args last', () => {
      expect(argsOf('kind: globals-only\nnoRolePasswords: true\nnoOwner: true\nnoPrivileges: true\nlockWaitTimeout: 10s\nextraArgs: [--no-comments]')).toEqual([
        ...CONN,
        '--database=app',
        '--globals-only',
        '--no-role-passwords',
        '--no-owner',
        '--no-privileges',
        '--lock-wait-timeout=10s',
        '--verbose',
        '--no-comments',
      ]);
    });

    it('names an encrypted archive <name>.zip.age and plans its encryption by public facts only', () => {
      const recipient = 'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj';
      const plan = compileProfile(profileOf('steps:\n  - kind: full\n', 'nightly'), { encryption: { kind: 'age-recipients', recipients: [recipient] } });
      expect(plan.archiveName).toBe('nightly-app-20261122T010000Z.zip.age');
      expect(plan.encryption).toEqual({ kind: 'age-recipients', recipients: [recipient] });
      const secret = compileProfile(profileOf('steps:\n  - kind: full\n', 'nightly'), {
        encryption: { kind: 'age-passphrase', passphrase: new Secret('hunter2'), source: 'file /etc/pass' },
      });
      expect(secret.encryption).toEqual({ kind: 'age-passphrase', source: 'file /etc/pass' });
      expect(JSON.stringify(secret)).not.toContain('hunter2');
      expect(compileProfile(profileOf('steps:\n  - kind: full\n', 'nightly'))).not.toHaveProperty('encryption');
    });

    it('compiles the built-in nightly shape: a named full step and a named globals step', () => {
      const plan = compileProfile(
        profileOf('steps:\n  - name: database\n    kind: full\n    lockWaitTimeout: 30s\n  - name: globals\n    kind: globals-only\n', 'nightly'),
      );
      expect(plan.archiveName).toBe('nightly-app-20261122T010000Z.zip');
      expect(plan.steps.map((s) => [s.step, s.tool.name, s.output])).toEqual([
        ['database', 'pg_dump', { type: 'stream', entry: 'database/app.dump', compress: false }],
        ['globals', 'pg_dumpall', { type: 'stream', entry: 'globals/globals.sql', compress: true }],
      ]);
      expect(plan.steps[0]?.args).toEqual([...CONN, '--dbname=app', '--format=custom', '--blobs', '--lock-wait-timeout=30s', '--verbose']);
    });
  });

  describe('formats', () => {
    it.each([
      ['plain', 'full/app.sql', true],
      ['custom', 'full/app.dump', false],
      ['tar', 'full/app.tar', true],
    ] as const)('writes format %s to the entry %s (zip compression %s)', (format, entry, compress) => {
      const step = onlyStep(`kind: full\nformat: ${format}`);
      expect(step.args).toContain(`--format=${format}`);
      expect(step.format).toBe(format);
      expect(step.output).toEqual({ type: 'stream', entry, compress });
    });

    it('writes the directory format into a folder of entries named after step and database', () => {
      const step = onlyStep('kind: full\nformat: directory');
      expect(step.args).toEqual([...CONN, '--dbname=app', '--format=directory', '--blobs', '--verbose']);
      expect(step.output).toEqual({ type: 'directory', prefix: 'full/app/' });
    });

    it('runs parallel jobs with the directory format', () => {
      expect(argsOf('kind: full\nformat: directory\njobs: 4')).toEqual([
        ...CONN,
        '--dbname=app',
        '--format=directory',
        '--blobs',
        '--jobs=4',
        '--verbose',
      ]);
    });

    it('leaves --jobs out for a single job', () => {
      expect(argsOf('kind: full\njobs: 1').some((a) => a.startsWith('--jobs'))).toBe(false);
    });
  });

  describe('compression', () => {
    it.each([
      ['0', 'custom', '--compress=0', true],
      ['9', 'custom', '--compress=9', false],
      ['none', 'custom', '--compress=0', true],
      ['"gzip:5"', 'custom', '--compress=5', false],
      ['gzip', 'custom', '--compress=6', false],
      ['"gzip:0"', 'custom', '--compress=0', true],
      ['"7"', 'directory', '--compress=7', undefined],
    ] as const)('passes compression %s with format %s to pg_dump 15 as %s', (value, format, arg, zipCompress) => {
      const step = onlyStep(`kind: full\nformat: ${format}\ncompression: ${value}`);
      expect(step.args).toContain(arg);
      expect(step.args.filter((a) => a.startsWith('--compress'))).toHaveLength(1);
      if (step.output.type === 'stream') expect(step.output.compress).toBe(zipCompress);
    });

    it.each([
      ['5', '--compress=gzip:5'],
      ['"gzip:3"', '--compress=gzip:3'],
      ['none', '--compress=0'],
      ['lz4', '--compress=lz4'],
      ['"lz4:4"', '--compress=lz4:4'],
      ['zstd', '--compress=zstd'],
      ['"zstd:3"', '--compress=zstd:3'],
      ['ZSTD:3', '--compress=zstd:3'],
    ])('passes compression %s to pg_dump 16 as %s', (value, arg) => {
      const step = onlyStep(`kind: full\ncompression: ${value}`, { server: '16.4' });
      expect(step.args).toEqual([...CONN, '--dbname=app', '--format=custom', arg, '--large-objects', '--verbose']);
    });

    it.each(['lz4', '"zstd:3"'])('refuses %s for pg_dump 15, naming the tool and its version', (value) => {
      const error = compileError(`kind: full\ncompression: ${value}`, { server: '15.8' });
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('/profiles/test.yaml: steps[0].compression');
      expect(error.message).toContain('needs pg_dump 16 or later');
      expect(error.message).toContain('/usr/lib/postgresql/15/bin/pg_dump is 15.8');
    });

    it('refuses a compressed tar format, and accepts tar with compression none', () => {
      const error = compileError('kind: full\nformat: tar\ncompression: 5');
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('tar format cannot be compressed');
      expect(argsOf('kind: full\nformat: tar\ncompression: none')).toContain('--compress=0');
    });

    it.each(['brotli', '"gzip:10"', '"zstd:"', '"gzip:-1"', '"5 "'])('refuses the compression %s', (value) => {
      const error = compileError(`kind: full\ncompression: ${value}`, { server: '16.4' });
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('steps[0].compression');
    });

    it('names a gzip-compressed plain dump .sql.gz and stores it as is', () => {
      const step = onlyStep('kind: schema-only\ncompression: 5');
      expect(step.args).toContain('--compress=5');
      expect(step.output).toEqual({ type: 'stream', entry: 'schema-only/app.sql.gz', compress: false });
    });

    it('names an lz4 or zstd plain dump after its own compression, not .gz', () => {
      const lz4 = onlyStep('kind: schema-only\ncompression: lz4', { server: '16.4' });
      const zstd = onlyStep('kind: schema-only\ncompression: "zstd:3"', { server: '16.4' });
      expect(lz4.output).toEqual({ type: 'stream', entry: 'schema-only/app.sql.lz4', compress: false });
      expect(zstd.output).toEqual({ type: 'stream', entry: 'schema-only/app.sql.zst', compress: false });
    });

    it('keeps a plain dump with compression none or 0 uncompressed for the zip to deflate', () => {
      expect(onlyStep('kind: schema-only\ncompression: 0').output).toEqual({ type: 'stream', entry: 'schema-only/app.sql', compress: true });
      expect(onlyStep('kind: schema-only\ncompression: none').output).toEqual({ type: 'stream', entry: 'schema-only/app.sql', compress: true });
    });
  });

  describe('options', () => {
    it('adds filters and options in a fixed order, with extra arguments last', () => {
      const args = argsOf(`
kind: full
schemas: [public, "Sales"]
excludeSchemas: [audit]
tables: [public.orders]
excludeTables: ["public.tmp_*"]
excludeTableData: [public.logs]
noOwner: true
noPrivileges: true
lockWaitTimeout: 30s
extraArgs: [--no-comments, --quote-all-identifiers]
`);
      expect(args).toEqual([
        ...CONN,
        '--dbname=app',
        '--format=custom',
        '--blobs',
        '--strict-names',
        '--schema=public',
        '--schema=Sales',
        '--exclude-schema=audit',
        '--table=public.orders',
        '--exclude-table=public.tmp_*',
        '--exclude-table-data=public.logs',
        '--no-owner',
        '--no-privileges',
        '--lock-wait-timeout=30s',
        '--verbose',
        '--no-comments',
        '--quote-all-identifiers',
      ]);
    });

    it('passes the filters on as the step table scope', () => {
      const step = onlyStep('kind: data-only\nschemas: [s]\nexcludeSchemas: [x]\ntables: [s.t]\nexcludeTables: [s.u]\nexcludeTableData: [s.v]');
      expect(step.tableScope).toEqual({ schemas: ['s'], excludeSchemas: ['x'], tables: ['s.t'], excludeTables: ['s.u'], excludeTableData: ['s.v'] });
    });

    it('leaves --no-owner and --no-privileges out when false', () => {
      const args = argsOf('kind: full\nnoOwner: false\nnoPrivileges: false');
      expect(args).not.toContain('--no-owner');
      expect(args).not.toContain('--no-privileges');
    });

    it('passes a numeric lockWaitTimeout as milliseconds and strips spaces from a string one', () => {
      expect(argsOf('kind: full\nlockWaitTimeout: 1500')).toContain('--lock-wait-timeout=1500');
      expect(argsOf('kind: full\nlockWaitTimeout: "2 min"')).toContain('--lock-wait-timeout=2min');
    });

    it('turns blobs: false into --no-blobs for pg_dump 15 and --no-large-objects for 16', () => {
      const fifteen = onlyStep('kind: full\nblobs: false');
      expect(fifteen.args).toEqual([...CONN, '--dbname=app', '--format=custom', '--no-blobs', '--verbose']);
      expect(fifteen.countLargeObjects).toBe(false);
      expect(argsOf('kind: full\nblobs: false', { server: '16.4' })).toEqual([...CONN, '--dbname=app', '--format=custom', '--no-large-objects', '--verbose']);
    });

    it('adds blob flags to data-only and tables steps only when blobs is set', () => {
      expect(argsOf('kind: data-only\nblobs: true')).toContain('--blobs');
      expect(argsOf('kind: data-only\nblobs: false', { server: '16.4' })).toContain('--no-large-objects');
      expect(argsOf('kind: tables\ntables: [t]').filter((a) => /blobs|large-objects/.test(a))).toEqual([]);
    });
  });

  describe('databases', () => {
    it('dumps the step database instead of the connection database', () => {
      const step = onlyStep('kind: full\ndatabase: crm');
      expect(step.database).toBe('crm');
      expect(step.args).toContain('--dbname=crm');
      expect(step.output).toMatchObject({ entry: 'full/crm.dump' });
    });

    it('names the archive after the database it dumps, not the one it connects to', () => {
      const plan = compileProfile(stepProfile('kind: full\ndatabase: crm'));
      expect([plan.archiveName, plan.databases]).toEqual(['test-crm-20261122T010000Z.zip', ['crm']]);
    });

    it('names a databases: all archive that holds several databases "all", not after the connection database', () => {
      const plan = compileProfile(stepProfile('kind: full\ndatabases: all'), { databases: ['postgres', 'app', 'crm'] });
      expect([plan.archiveName, plan.databases, plan.allDatabases]).toEqual(['test-all-20261122T010000Z.zip', ['postgres', 'app', 'crm'], true]);
    });

    it('names an archive of a listed set of databases by their number', () => {
      const plan = compileProfile(profileOf('steps:\n  - kind: full\n    databases: [crm, app]\n  - kind: globals-only\n'));
      expect([plan.archiveName, plan.databases]).toEqual(['test-2-databases-20261122T010000Z.zip', ['crm', 'app']]);
    });

    it('names a cluster-only run after the connection database', () => {
      const plan = compileProfile(profileOf('steps:\n  - kind: globals-only\n'));
      expect([plan.archiveName, plan.databases]).toEqual(['test-app-20261122T010000Z.zip', ['app']]);
    });

    it('compiles one pg_dump per listed database, in the given order', () => {
      const plan = compileProfile(stepProfile('kind: full\ndatabases: [crm, app]'));
      expect(plan.steps.map((s) => [s.database, s.args[4], s.output])).toEqual([
        ['crm', '--dbname=crm', { type: 'stream', entry: 'full/crm.dump', compress: false }],
        ['app', '--dbname=app', { type: 'stream', entry: 'full/app.dump', compress: false }],
      ]);
    });

    it('expands databases: all to the server databases minus the excluded ones', () => {
      const plan = compileProfile(stepProfile('kind: schema-only\ndatabases: all\nexcludeDatabases: [scratch, missing]'), {
        databases: ['app', 'crm', 'scratch', 'postgres'],
      });
      expect(plan.steps.map((s) => s.database)).toEqual(['app', 'crm', 'postgres']);
      expect(plan.steps.map((s) => (s.output.type === 'stream' ? s.output.entry : ''))).toEqual([
        'schema-only/app.sql',
        'schema-only/crm.sql',
        'schema-only/postgres.sql',
      ]);
    });

    it('dumps only the databases the server reported for databases: all (templates are not among them)', () => {
      const plan = compileProfile(stepProfile('kind: full\ndatabases: all'), { databases: ['postgres', 'app'] });
      expect(plan.steps.map((s) => s.database)).toEqual(['postgres', 'app']);
      expect(plan.steps.some((s) => /template/.test(s.database ?? ''))).toBe(false);
    });

    it('refuses databases: all when the exclusions leave nothing', () => {
      const error = compileError('kind: full\ndatabases: all\nexcludeDatabases: [app, crm]');
      expect(error.code).toBe('USAGE');
      expect(error.message).toContain('steps[0]: databases: all leaves no database to dump');
    });
  });

  describe('hostile database names', () => {
    const safeEntry = /^full\/[A-Za-z0-9_-][A-Za-z0-9._-]*\.dump$/;

    it.each([
      ['my db', '--dbname=my db'],
      ["it's", "--dbname=it's"],
      ['a/b', '--dbname=a/b'],
      ['..', '--dbname=..'],
      ['../../etc', '--dbname=../../etc'],
      ['café', '--dbname=café'],
      ['日本語', '--dbname=日本語'],
      ['-h evil', '--dbname=-h evil'],
      ['a=b', "--dbname=dbname='a=b'"],
      ["x' host=evil", "--dbname=dbname='x\\' host=evil'"],
      ['back\\slash=1', "--dbname=dbname='back\\\\slash=1'"],
      ['postgres://evil/x', "--dbname=dbname='postgres://evil/x'"],
      ['postgresql://evil', "--dbname=dbname='postgresql://evil'"],
    ])('passes %j to pg_dump as %s and gives it a safe entry name', (name, arg) => {
      const step = onlyStep(`kind: full\ndatabase: ${JSON.stringify(name)}`);
      expect(step.database).toBe(name);
      expect(step.args).toContain(arg);
      expect(step.args.filter((a) => a.startsWith('--dbname'))).toHaveLength(1);
      expect(step.output.type === 'stream' && step.output.entry).toMatch(safeEntry);
    });

    it('never names two different databases alike', () => {
      const names = ['a b', 'a_b', 'a/b', 'a\\b', 'a-b', 'A b', '..', '_', '.', 'é', 'e'];
      const plan = compileProfile(stepProfile(`kind: full\ndatabases: ${JSON.stringify(names)}`));
      const entries = plan.steps.map((s) => (s.output.type === 'stream' ? s.output.entry : ''));
      expect(new Set(entries).size).toBe(names.length);
      for (const entry of entries) expect(entry).toMatch(safeEntry);
    });

    it('keeps a directory prefix inside the step folder for a hostile name', () => {
      const step = onlyStep('kind: full\nformat: directory\ndatabase: "../../x"');
      expect(step.output.type).toBe('directory');
      if (step.output.type === 'directory') expect(step.output.prefix).toMatch(/^full\/[A-Za-z0-9_-][A-Za-z0-9._-]*\/$/);
    });

    it('quotes a conninfo-looking connection database for pg_dumpall and makes the archive name safe', () => {
      const hostile = { ...connection, database: "we'ird = db/.." };
      const plan = compileProfile(profileOf('steps:\n  - kind: globals-only\n'), { connection: hostile });
      expect(plan.steps[0]?.args).toContain("--database=dbname='we\\'ird = db/..'");
      expect(plan.archiveName).toMatch(/^test-we_ird___db_..-[0-9a-f]{8}-20261122T010000Z\.zip$/);
    });
  });

  describe('dbnameArg', () => {
    it('leaves ordinary names alone and quotes conninfo-like ones', () => {
      expect(dbnameArg('app')).toBe('app');
      expect(dbnameArg('with space')).toBe('with space');
      expect(dbnameArg('a=b')).toBe("dbname='a=b'");
      expect(dbnameArg("'=")).toBe("dbname='\\'='");
      expect(dbnameArg('\\=')).toBe("dbname='\\\\='");
      expect(dbnameArg('POSTGRES://x')).toBe('POSTGRES://x');
    });
  });

  describe('tool selection', () => {
    it('picks the pg_dump of the server major among 13, 15 and 16', () => {
      const plan = compileProfile(profileOf('steps:\n  - kind: full\n  - kind: globals-only\n'), {
        server: '15.8',
        tools: inventory('13.4', '15.2', '16.4'),
      });
      expect(plan.steps.map((s) => [s.tool.name, s.tool.version.text])).toEqual([
        ['pg_dump', '15.2'],
        ['pg_dumpall', '15.2'],
      ]);
    });

    it('picks the nearest newer pg_dump when the server major is missing, and compiles for it', () => {
      const step = onlyStep('kind: full\nblobs: false', { server: '15.8', tools: inventory('13.4', '17.2', '16.4') });
      expect(step.tool.version.text).toBe('16.4');
      expect(step.args).toContain('--no-large-objects');
    });

    it('refuses a server newer than every pg_dump with TOOL_INCOMPATIBLE', () => {
      // engine: pg_dump — with the default auto, the native engine takes over instead
      const error = compileError('kind: full\nengine: pg_dump', { server: '17.2', tools: inventory('15.8') });
      expect(error.code).toBe('TOOL_INCOMPATIBLE');
      expect(error.message).toContain('PostgreSQL 17.2');
      expect(error.message).toContain('15.8');
      expect(error.hint).toContain('postgresql-client-17');
    });

    it('reports a missing pg_dumpall with TOOL_NOT_FOUND', () => {
      const tools = { ...inventory('15.8'), pg_dumpall: [] };
      expect(compileError('kind: globals-only\nengine: pg_dump', { tools }).code).toBe('TOOL_NOT_FOUND');
    });
  });

  describe('command-line overrides', () => {
    it('replaces the profile tables with --table', () => {
      const plan = compileProfile(stepProfile('kind: tables\ntables: [public.a, public.b]'), { overrides: { tables: ['billing.invoices'] } });
      const args = plan.steps[0]!.args;
      expect(args.filter((a) => a.startsWith('--table'))).toEqual(['--table=billing.invoices']);
      expect(plan.steps[0]?.tableScope?.tables).toEqual(['billing.invoices']);
    });

    it('fills the tables of the built-in tables profile from --table', () => {
      const plan = compileProfile(stepProfile('kind: tables\nformat: custom', 'tables'), { overrides: { tables: ['public.orders', 'billing.invoices'] } });
      expect(plan.steps[0]?.args).toEqual([
        ...CONN,
        '--dbname=app',
        '--format=custom',
        '--strict-names',
        '--table=public.orders',
        '--table=billing.invoices',
        '--verbose',
      ]);
    });

    it('replaces excluded tables and schemas', () => {
      const args = compileProfile(stepProfile('kind: full\nschemas: [a]\nexcludeTables: [x]'), {
        overrides: { schemas: ['b'], excludeTables: ['y', 'z'] },
      }).steps[0]!.args;
      expect(args.filter((a) => /^--(schema|exclude-table)=/.test(a))).toEqual(['--schema=b', '--exclude-table=y', '--exclude-table=z']);
    });

    it('ignores empty override lists', () => {
      const args = compileProfile(stepProfile('kind: tables\ntables: [t]'), { overrides: { tables: [] } }).steps[0]!.args;
      expect(args).toContain('--table=t');
    });

    it('changes the format with --format', () => {
      const step = compileProfile(stepProfile('kind: full'), { overrides: { format: 'directory', jobs: 3 } }).steps[0]!;
      expect(step.args).toContain('--format=directory');
      expect(step.args).toContain('--jobs=3');
      expect(step.output).toEqual({ type: 'directory', prefix: 'full/app/' });
    });

    it('refuses --jobs without the directory format with USAGE', () => {
      const error = thrown(() => compileProfile(stepProfile('kind: full'), { overrides: { jobs: 4 } }));
      expect(error.code).toBe('USAGE');
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain('steps[0].jobs: jobs > 1 needs format: directory');
    });

    it('leaves a globals-only step alone', () => {
      const plan = compileProfile(profileOf('steps:\n  - kind: full\n  - kind: globals-only\n'), {
        overrides: { tables: ['t'], format: 'plain', schemas: ['s'] },
      });
      expect(plan.steps[1]?.args).toEqual([...CONN, '--database=app', '--globals-only', '--verbose']);
      expect(plan.steps[0]?.args).toContain('--format=plain');
    });

    it('changes the row counts with --row-counts', () => {
      expect(compileProfile(stepProfile('kind: full'), { overrides: { rowCounts: 'off' } }).rowCounts).toBe('off');
    });

    it('does not change the loaded profile', () => {
      const loaded = stepProfile('kind: tables\ntables: [t]');
      compileProfile(loaded, { overrides: { tables: ['u'], format: 'plain' } });
      expect(loaded.profile.steps[0]).toMatchObject({ tables: ['t'] });
      expect(loaded.profile.steps[0]?.format).toBeUndefined();
    });
  });

  describe('secrets', () => {
    const everyKind = profileOf(`
steps:
  - kind: full
  - kind: schema-only
  - kind: data-only
  - kind: tables
    tables: [t]
  - kind: large-objects
  - kind: globals-only
`);

    function expectNoPassword(plan: PgDumpPlan) {
      expect(JSON.stringify(plan)).not.toContain(PASSWORD);
      expect(inspect(plan, { depth: 20 })).not.toContain(PASSWORD);
      for (const step of plan.steps) {
        expect(step.args.join(' ')).not.toContain(PASSWORD);
        expect(Object.values(step.env).join(' ')).not.toContain(PASSWORD);
        expect(Object.keys(step.env)).not.toContain('PGPASSWORD');
        expect(step.args).toContain('--no-password');
      }
    }

    it('never puts the password in the arguments, environment or anywhere in the plan', () => {
      expectNoPassword(compileProfile(everyKind));
      expectNoPassword(compileProfile(everyKind, { server: '16.4' }));
    });

    it('passes SSL settings and PGPASSFILE through the environment', () => {
      const withSsl = {
        ...connection,
        sslmode: 'verify-full' as const,
        sslrootcert: '/r.crt',
        sslcert: '/c.crt',
        sslkey: '/c.key',
        passfile: '/home/u/.pgpass',
        applicationName: 'nightly',
      };
      const plan = compileProfile(everyKind, { connection: withSsl });
      expectNoPassword(plan);
      expect(plan.connection).toEqual({ host: 'db.internal', port: 5432, user: 'backup', database: 'app', sslmode: 'verify-full' });
      for (const step of plan.steps) {
        expect(step.env).toEqual({
          PGAPPNAME: 'nightly',
          LC_MESSAGES: 'C',
          PGCONNECT_TIMEOUT: '15',
          PGSSLMODE: 'verify-full',
          PGSSLROOTCERT: '/r.crt',
          PGSSLCERT: '/c.crt',
          PGSSLKEY: '/c.key',
          PGPASSFILE: '/home/u/.pgpass',
        });
      }
    });
  });
});
