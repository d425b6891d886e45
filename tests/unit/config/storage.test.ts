import { parseProfile } from '../../../lib/config/load-profile.js';
import { StorageClass } from '@aws-sdk/client-s3';
import { expandPrefix, parseByteSize, prefixPlaceholders, parseStorageUrl, resolveStorage, s3StorageClasses } from '../../../lib/config/storage.js';
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

  it('takes the upload settings: storage class, SSE-KMS with a key, part size with units, max parts, queue size', () => {
    const profile = parse(
      '  - s3: { bucket: acme, storageClass: GLACIER_IR, sse: "aws:kms", kmsKeyId: "alias/pgbak", partSize: 64MiB, maxParts: 1000, queueSize: "2" }',
    );
    expect(profile.storage).toEqual([
      { s3: { bucket: 'acme', storageClass: 'GLACIER_IR', sse: 'aws:kms', kmsKeyId: 'alias/pgbak', partSize: 64 * 1024 * 1024, maxParts: 1000, queueSize: 2 } },
    ]);
    expect(parse('  - s3: { bucket: acme, sse: AES256, partSize: 8388608 }').storage).toEqual([{ s3: { bucket: 'acme', sse: 'AES256', partSize: 8388608 } }]);
  });

  it('takes equalParts (parts of one size, as R2 and Garage want) and hands it on to the run', () => {
    expect(parse('  - s3: { bucket: acme, endpoint: "http://minio:9000", equalParts: false }').storage).toEqual([
      { s3: { bucket: 'acme', endpoint: 'http://minio:9000', equalParts: false } },
    ]);
    expect(problem(() => parse('  - s3: { bucket: acme, equalParts: maybe }'))).toContain('storage[0].s3.equalParts');
    const [where] = resolveStorage({ cwd: '/', env: {}, outputDir: '/b', profile: [{ s3: { bucket: 'acme', equalParts: false } }] });
    expect(where).toMatchObject({ kind: 's3', bucket: 'acme', equalParts: false });
  });

  it('refuses an unknown storage class or encryption with the closest one named', () => {
    expect(problem(() => parse('  - s3: { bucket: acme, storageClass: STANDARD_AI }'))).toContain(
      'storage[0].s3.storageClass: unknown storage class "STANDARD_AI" (did you mean "STANDARD_IA"?); one of STANDARD, STANDARD_IA',
    );
    expect(problem(() => parse('  - s3: { bucket: acme, storageClass: standard }'))).toContain('(did you mean "STANDARD"?)');
    expect(problem(() => parse('  - s3: { bucket: acme, sse: "aws:ksm" }'))).toContain('storage[0].s3.sse: unknown server-side encryption "aws:ksm" (did you mean "aws:kms"?)');
    expect(problem(() => parse('  - s3: { bucket: acme, sse: aes256 }'))).toContain('(did you mean "AES256"?)');
  });

  it('refuses a kmsKeyId without sse: aws:kms', () => {
    expect(problem(() => parse('  - s3: { bucket: acme, kmsKeyId: "alias/x" }'))).toContain('storage[0].s3.kmsKeyId: kmsKeyId needs sse: aws:kms');
    expect(problem(() => parse('  - s3: { bucket: acme, sse: AES256, kmsKeyId: "alias/x" }'))).toContain('kmsKeyId needs sse: aws:kms');
  });

  it('refuses part sizes outside 5 MiB..5 GiB or that do not read, and maxParts/queueSize out of range', () => {
    expect(problem(() => parse('  - s3: { bucket: acme, partSize: 4MiB }'))).toContain('storage[0].s3.partSize: a part is 5 MiB to 5 GiB');
    expect(problem(() => parse('  - s3: { bucket: acme, partSize: 6GiB }'))).toContain('5 MiB to 5 GiB');
    expect(problem(() => parse('  - s3: { bucket: acme, partSize: lots }'))).toContain('expected a size such as 64MiB');
    expect(problem(() => parse('  - s3: { bucket: acme, maxParts: 10001 }'))).toContain('storage[0].s3.maxParts');
    expect(problem(() => parse('  - s3: { bucket: acme, maxParts: 0 }'))).toContain('storage[0].s3.maxParts');
    expect(problem(() => parse('  - s3: { bucket: acme, queueSize: 0 }'))).toContain('storage[0].s3.queueSize');
    expect(problem(() => parse('  - s3: { bucket: acme, storagClass: GLACIER }'))).toContain('(did you mean "storageClass"?)');
  });

  it('knows every storage class the AWS SDK knows, and no other', () => {
    expect([...s3StorageClasses].sort()).toEqual(Object.values(StorageClass).sort());
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

  it('carries a profile entry\'s upload settings, and only those set', () => {
    const profile = [{ s3: { bucket: 'acme', storageClass: 'STANDARD_IA' as const, sse: 'aws:kms' as const, kmsKeyId: 'k', maxParts: 1000 } }];
    expect(resolveStorage({ ...base, profile })).toEqual([
      { kind: 's3', bucket: 'acme', prefix: '', region: 'us-east-1', storageClass: 'STANDARD_IA', sse: 'aws:kms', kmsKeyId: 'k', maxParts: 1000 },
    ]);
  });

  it('refuses other schemes and bad bucket names in --storage', () => {
    expect(problem(() => parseStorageUrl('gs://acme/pg', '/w', {}))).toContain('unknown scheme');
    expect(problem(() => parseStorageUrl('s3:///pg', '/w', {}))).toContain('not a bucket name');
    expect(problem(() => parseStorageUrl('', '/w', {}))).toContain('empty');
  });
});

describe('parseByteSize', () => {
  it('reads bytes and binary or decimal units, and nothing else', () => {
    expect(parseByteSize(8388608)).toBe(8388608);
    expect(parseByteSize('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseByteSize('1 GiB')).toBe(1024 ** 3);
    expect(parseByteSize('100mb')).toBe(100_000_000);
    expect(parseByteSize('5.5MiB')).toBeNull();
    expect(parseByteSize('64 MiBs')).toBeNull();
    expect(parseByteSize(1.5)).toBeNull();
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

  it('with only the profile known (list/status/prune), replaces {profile} as a run does and leaves the others as written', () => {
    const hostile = 'we ird\\..ünï côde/x';
    expect(expandPrefix('pg/{profile}/{host}/{database}', { profile: hostile })).toBe('pg/we ird_..ünï côde_x/{host}/{database}/');
    expect(expandPrefix('pg/{profile}/', { profile: hostile })).toBe(expandPrefix('pg/{profile}/', { ...values, profile: hostile }));
    expect(problem(() => expandPrefix('pg/{profile}/', { profile: '..' }))).toContain('{profile}');
    expect(problem(() => expandPrefix('pg/{db}/', { profile: 'x' }))).toContain('unknown placeholder {db}');
    expect(prefixPlaceholders('pg/{host}/{profile}/{database}/{db}')).toEqual(['host', 'profile', 'database']);
  });
});
