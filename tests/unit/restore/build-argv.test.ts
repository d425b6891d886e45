import { buildPgRestoreArgs, buildPsqlArgs, checkFlags, splitQualified, tableSelection } from '../../../lib/restore/build-argv.js';
import type { RestoreItem } from '../../../lib/restore/types.js';

const server = { host: 'db', port: 5433, user: 'restorer' };
const custom: RestoreItem = { step: 'full', database: 'app', format: 'custom', input: { type: 'entry', name: 'full/app.dump', gunzip: false }, target: 'app copy', dumpVersion: '15.18' };
const plain: RestoreItem = { ...custom, format: 'plain', input: { type: 'entry', name: 'full/app.sql', gunzip: false } };
const globals: RestoreItem = { ...plain, step: 'globals', database: null, target: 'postgres' };

describe('restore argv', () => {
  it('streams into pg_restore with --exit-on-error in one transaction, the filters and no input path', () => {
    expect(buildPgRestoreArgs(custom, server, { clean: true, tables: ['billing.invoices'], noOwner: true, noPrivileges: true }, null)).toEqual([
      '--host=db', '--port=5433', '--username=restorer', '--no-password', '--dbname=app copy', '--exit-on-error', '--single-transaction',
      '--clean', '--if-exists', '--schema=billing', '--table=invoices', '--no-owner', '--no-privileges',
    ]);
    expect(buildPgRestoreArgs(custom, server, { noSingleTransaction: true }, null)).not.toContain('--single-transaction');
  });

  it('gives pg_restore the extracted file and --jobs for a parallel restore, without one transaction (pg_restore cannot)', () => {
    const args = buildPgRestoreArgs(custom, server, { jobs: 4 }, '/tmp/x/app.dump');
    expect(args.slice(-2)).toEqual(['--jobs=4', '/tmp/x/app.dump']);
    expect(args).not.toContain('--single-transaction');
  });

  it('passes a reordered table of contents with --use-list before the input', () => {
    expect(buildPgRestoreArgs(custom, server, { clean: true }, null, '/tmp/x/clean-order.list').slice(-1)).toEqual(['--use-list=/tmp/x/clean-order.list']);
  });

  it('passes a database name holding "=" as a quoted conninfo keyword', () => {
    expect(buildPgRestoreArgs({ ...custom, target: "a=b'c" }, server, {}, null)).toContain("--dbname=dbname='a=b\\'c'");
  });

  it('runs plain SQL through psql with ON_ERROR_STOP in one transaction, and globals without either', () => {
    expect(buildPsqlArgs(plain, server, {})).toEqual(['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '--host=db', '--port=5433', '--username=restorer', '--no-password', '--dbname=app copy', '--file=-']);
    expect(buildPsqlArgs(plain, server, { noSingleTransaction: true })).not.toContain('--single-transaction');
    expect(buildPsqlArgs(globals, server, {})).toEqual(['-X', '-q', '--host=db', '--port=5433', '--username=restorer', '--no-password', '--dbname=postgres', '--file=-']);
  });

  it('refuses filters on plain SQL, --jobs on tar, and contradictory flags', () => {
    expect(() => checkFlags(plain, { tables: ['t'] })).toThrow(/plain SQL.*--table/);
    expect(() => checkFlags({ ...custom, format: 'tar' }, { jobs: 2 })).toThrow(/--jobs needs a custom or directory/);
    expect(() => checkFlags(custom, { dataOnly: true, schemaOnly: true })).toThrow(/exclude each other/);
    expect(() => checkFlags(custom, { dataOnly: true, clean: true })).toThrow(/--clean/);
    expect(() => checkFlags(globals, { tables: ['t'], jobs: 2 })).not.toThrow();
  });

  it('says "--clean needs" for one flag and "need" for several (grammar of the refusal)', () => {
    expect(() => checkFlags(plain, { clean: true })).toThrow(/: --clean needs a custom, tar or directory backup$/);
    expect(() => checkFlags(plain, { clean: true, noOwner: true })).toThrow(/: --clean, --no-owner need a custom, tar or directory backup$/);
  });

  it('splits schema.table with quotes kept and refuses tables of different schemas', () => {
    expect(splitQualified('"Weird Schema"."a.b"')).toEqual({ schema: 'Weird Schema', name: 'a.b' });
    expect(splitQualified('orders')).toEqual({ schema: null, name: 'orders' });
    expect(tableSelection(['public.a', 'public.b'], [])).toEqual({ tables: ['a', 'b'], schemas: ['public'] });
    expect(() => tableSelection(['public.a', 'billing.b'], [])).toThrow(/cannot be restored together/);
  });
});
