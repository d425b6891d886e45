import { parseProfile } from '../../../lib/config/load-profile.js';
import { expandPrefix, parseStorageUrl, resolveStorage } from '../../../lib/config/storage.js';
import { PgbakError } from '../../../lib/errors.js';

const values = { host: 'db1.internal', database: 'app', profile: 'nightly' };

function parse(storage: string): ReturnType<typeof parseProfile> {
  return parseProfile(`storage:\n${storage}\nsteps:\n  - kind: full\n`, '/p/nightly.yaml', {});
}

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PgbakError);
    return (error as PgbakError).message;
  }
  throw new Error('expected an error');
}

describe('profile storage:', () => {
  it('takes local and s3 entries, camelCase options included', () => {
    const profile = parse(
      '  - local: { dir: /var/backups }\n  - s3: { bucket: acme-backups, prefix: "pg/{host}/", region: eu-central-1, endpoint: "http://minio:9000", forcePathStyle: true }',
    );
    expect(profile.storage).toEqual([
      { local: { dir: '/var/backups' } },
      { s3: { bucket: 'acme-backups', prefix: 'pg/{host}/', region: 'eu-central-1', endpoint: 'http://minio:9000', forcePathStyle: true } },
    ]);
  });

  it('refuses unknown keys with a did-you-mean, at each level', () => {
    const message = problem(() => parse('  - s3: { bucket: acme, prefx: pg/ }\n  - locl: { dir: x }'));
    expect(message).toContain('storage[0].s3: Unrecognized key: "prefx" (did you mean "prefix"?)');
    expect(message).toContain('storage[1]: Unrecognized key: "locl" (did you mean "local"?)');
  });

  it('refuses an entry with both kinds or neither, an empty list, and a bad bucket name', () => {
    expect(problem(() => parse('  - { local: { dir: x }, s3: { bucket: acme } }'))).toContain('either { local: { dir } } or { s3');
    expect(problem(() => parse('  - {}'))).toContain('either');
    expect(problem(() => parseProfile('storage: []\nsteps:\n  - kind: full\n', '/p/n.yaml', {}))).toContain('storage');
    expect(problem(() => parse('  - s3: { bucket: Acme_Backups }'))).toContain('bucket name');
  });

  it('never takes credentials from a profile', () => {
    expect(problem(() => parse('  - s3: { bucket: acme, accessKeyId: AKIA, secretAccessKey: x }'))).toContain('Unrecognized key');
  });
});

describe('resolveStorage', () => {
  const base = { cwd: '/work', env: {}, outputDir: '/work/backups' };

  it('defaults to the output folder', () => {
    expect(resolveStorage(base)).toEqual([{ kind: 'local', dir: '/work/backups' }]);
  });

  it('--storage replaces the profile list; a path is a local folder, relative to cwd', () => {
    const storage = resolveStorage({ ...base, flags: ['s3://acme/pg/{database}/', 'copies'], profile: [{ local: { dir: '/elsewhere' } }] });
    expect(storage).toEqual([
      { kind: 's3', bucket: 'acme', prefix: 'pg/{database}/', region: 'us-east-1' },
      { kind: 'local', dir: '/work/copies' },
    ]);
  });

  it('takes the endpoint and region from the run environment (AWS_ENDPOINT_URL_S3 over AWS_ENDPOINT_URL), the profile over both', () => {
    const env = { AWS_ENDPOINT_URL: 'http://generic:9000', AWS_ENDPOINT_URL_S3: 'http://s3only:9000', AWS_REGION: 'eu-west-3' };
    expect(resolveStorage({ ...base, env, flags: ['s3://acme'] })).toEqual([{ kind: 's3', bucket: 'acme', prefix: '', region: 'eu-west-3', endpoint: 'http://s3only:9000' }]);
    expect(resolveStorage({ ...base, env, profile: [{ s3: { bucket: 'acme', endpoint: 'http://mine:9000', region: 'auto' } }] })).toEqual([
      { kind: 's3', bucket: 'acme', prefix: '', region: 'auto', endpoint: 'http://mine:9000' },
    ]);
  });

  it('refuses other schemes and bad bucket names in --storage', () => {
    expect(problem(() => parseStorageUrl('gs://acme/pg', '/w', {}))).toContain('unknown scheme');
    expect(problem(() => parseStorageUrl('s3:///pg', '/w', {}))).toContain('not a bucket name');
    expect(problem(() => parseStorageUrl('', '/w', {}))).toContain('empty');
  });
});

describe('expandPrefix', () => {
  it('replaces {host}, {database}, {profile} and ends with one "/"', () => {
    expect(expandPrefix('pg/{host}/{database}', values)).toBe('pg/db1.internal/app/');
    expect(expandPrefix('{profile}-{database}/', values)).toBe('nightly-app/');
    expect(expandPrefix('', values)).toBe('');
  });

  it('a value never adds or climbs a level: "/" becomes "_", "..", "." and empty values are refused', () => {
    expect(expandPrefix('pg/{host}/', { ...values, host: '/var/run/postgresql' })).toBe('pg/_var_run_postgresql/');
    expect(problem(() => expandPrefix('pg/{database}/', { ...values, database: '..' }))).toContain('{database}');
    expect(problem(() => expandPrefix('pg/{database}/', { ...values, database: '.' }))).toContain('{database}');
    expect(problem(() => expandPrefix('pg/{database}/', { ...values, database: '' }))).toContain('{database}');
  });

  it('refuses empty, "." and ".." segments and unknown placeholders', () => {
    expect(problem(() => expandPrefix('pg//x/', values))).toContain('segment');
    expect(problem(() => expandPrefix('/pg/', values))).toContain('segment');
    expect(problem(() => expandPrefix('pg/../x/', values))).toContain('segment');
    expect(problem(() => expandPrefix('pg/{db}/', values))).toContain('unknown placeholder {db}');
  });
});
