import { checkExtraArgs } from '../../../lib/config/extra-args.js';
import { parseProfile } from '../../../lib/config/load-profile.js';
import { thrown } from './support.js';

const refusedIndexes = (args: string[], tool: 'pg_dump' | 'pg_dumpall' = 'pg_dump') => checkExtraArgs(args, tool).map((p) => p.index);

describe('checkExtraArgs (pg_dump)', () => {
  it.each([
    ['--file=/tmp/x'],
    ['--file', '/tmp/x'],
    ['-f/tmp/x'],
    ['-f', '/tmp/x'],
    ['--fil=/tmp/x'],
    ['--fi', '/tmp/x'],
    ['-vf', '/tmp/x'],
    ['-vf/tmp/x'],
  ])('refuses sending the dump elsewhere: %j', (...args: string[]) => {
    const problems = checkExtraArgs(args, 'pg_dump');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.index).toBe(0);
    expect(problems[0]!.message).toContain('-f/--file: pgbak writes the dump into the archive itself');
  });

  it('names an abbreviation as one', () => {
    expect(checkExtraArgs(['--fil=/tmp/x'], 'pg_dump')[0]!.message).toBe('"--fil=/tmp/x" is an abbreviation of -f/--file: pgbak writes the dump into the archive itself');
  });

  it.each([
    // Output format and compression, jobs.
    ['--format=plain'], ['-Fp'], ['-F', 'c'], ['--form=d'], ['--jobs=4'], ['-j4'], ['-j', '4'], ['--compress=9'], ['-Z9'], ['-Z', '0'], ['--compr=0'],
    // Connection: pgbak connects, pg_dump must dump the database pgbak exported the snapshot of.
    ['--dbname=other'], ['-dother'], ['-d', 'other'], ['--db=other'], ['--host=elsewhere'], ['-h', 'elsewhere'], ['--port=1'], ['-p1'],
    ['--username=x'], ['-Ux'], ['--user=x'], ['-W'], ['--password'], ['-w'], ['--no-password'], ['--role=admin'], ['--rol', 'admin'],
    // The snapshot pgbak exported.
    ['--snapshot=00000003-1'], ['--snap=1'], ['--serializable-deferrable'], ['--serial'],
    // The kind.
    ['-s'], ['--schema-only'], ['-a'], ['--data-only'], ['--data'], ['--section=pre-data'], ['--sec', 'data'], ['--no-data'], ['--no-schema'], ['--statistics-only'],
    ['-b'], ['--blobs'], ['-B'], ['--no-large-objects'],
    // The table selection the manifest counts.
    ['-n', 'x'], ['--schema=x'], ['-Nx'], ['-t', 'x'], ['--table=x'], ['-Tx'], ['--exclude-table=x'], ['--exclude-table-data=x'], ['--table-and-children=x'],
    ['--filter=/tmp/f'],
    // Keys of the profile.
    ['-O'], ['--no-owner'], ['-x'], ['--no-privileges'], ['--no-acl'], ['--lock-wait-timeout=1s'], ['--with-statistics'], ['--with-stat'], ['--statistics'],
    // Restore-time choices (a plain --create dump reconnects to the original database).
    ['-c'], ['--clean'], ['-C'], ['--create'],
  ])('refuses %j', (...args: string[]) => {
    expect(refusedIndexes(args)).toEqual([0]);
  });

  it('refuses an operand: pg_dump would read it as the database to dump', () => {
    expect(refusedIndexes(['otherdb'])).toEqual([0]);
    expect(refusedIndexes(['--', '--file=/tmp/x'])).toEqual([1]);
    expect(checkExtraArgs(['otherdb'], 'pg_dump')[0]!.message).toContain('the database to dump');
  });

  it('refuses a prefix that could expand to a refused option (--fi: --file or --filter)', () => {
    expect(refusedIndexes(['--fi=x'])).toEqual([0]);
    expect(refusedIndexes(['--no-pa'])).toEqual([0]);
  });

  it('finds a refused option inside a cluster of short ones', () => {
    expect(refusedIndexes(['-vOx'])).toEqual([0, 0]);
    expect(refusedIndexes(['-vc'])).toEqual([0]);
  });

  it('does not read an option value as an option', () => {
    // -S takes a value: "-f" here is the superuser's name, not --file.
    expect(refusedIndexes(['-S', '-f'])).toEqual([]);
    expect(refusedIndexes(['--superuser', '--file=x'])).toEqual([]);
    expect(refusedIndexes(['-E', 'UTF8', '--extra-float-digits', '3', '--rows-per-insert=100'])).toEqual([]);
    // A short option taking a value swallows the rest of its cluster: "-Sfoo" names superuser foo.
    expect(refusedIndexes(['-Sfoo'])).toEqual([]);
  });

  it('passes options that change neither where nor how the dump goes', () => {
    expect(
      refusedIndexes([
        '--no-comments', '--quote-all-identifiers', '--inserts', '--column-inserts', '--on-conflict-do-nothing', '--if-exists', '--no-sync',
        '--no-tablespaces', '--verbose', '-v', '--strict-names', '--extension=pg_trgm', '-e', 'hstore', '--exclude-extension=x', '--load-via-partition-root',
        '--disable-triggers', '--use-set-session-authorization', '--enable-row-security', '--no-publications', '--no-subscriptions',
        '--no-security-labels', '--no-unlogged-table-data', '--include-foreign-data=srv', '--no-comm', '--quote',
      ]),
    ).toEqual([]);
  });

  it('leaves unknown options to pg_dump (it refuses them itself)', () => {
    expect(refusedIndexes(['--no-such-option', '-X'])).toEqual([]);
  });
});

describe('checkExtraArgs (pg_dumpall, globals-only steps)', () => {
  it.each([
    ['--file=/tmp/g.sql'], ['-f', '/tmp/g.sql'], ['-f/tmp/g.sql'], ['--fil=/tmp/g.sql'],
    ['--dbname=x'], ['-l', 'x'], ['--database=x'], ['--datab=x'], ['-h', 'x'], ['-p', '1'], ['-U', 'x'], ['-w'], ['-W'], ['--role=x'],
    ['-g'], ['--roles-only'], ['-r'], ['-t'], ['--tablespaces-only'], ['-s'], ['-a'], ['-c'],
    ['-O'], ['-x'], ['--no-role-passwords'], ['--lock-wait-timeout=1s'],
    ['somedb'],
  ])('refuses %j', (...args: string[]) => {
    expect(refusedIndexes(args, 'pg_dumpall')).toEqual([0]);
  });

  it('passes harmless options', () => {
    expect(refusedIndexes(['--no-comments', '--quote-all-identifiers', '--no-tablespaces', '--exclude-database=x', '-v', '--if-exists'], 'pg_dumpall')).toEqual([]);
  });
});

describe('profile validation of extraArgs', () => {
  const file = '/profiles/test.yaml';

  it('refuses a step whose extraArgs send the dump elsewhere, naming the file and the path of the argument', () => {
    const error = thrown(() => parseProfile('steps:\n  - kind: full\n    extraArgs: [--no-comments, --file=/tmp/x]\n', file, {}));
    expect(error.code).toBe('PROFILE_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`${file}: steps[0].extraArgs[1]: "--file=/tmp/x" is -f/--file: pgbak writes the dump into the archive itself`);
  });

  it('checks a globals-only step against pg_dumpall', () => {
    const error = thrown(() => parseProfile('steps:\n  - kind: globals-only\n    extraArgs: ["-l", "other"]\n', file, {}));
    expect(error.message).toContain(`${file}: steps[0].extraArgs[0]: "-l" is -l/--database`);
  });
});
