import { execFileSync } from 'node:child_process';
import { createRedactor, quoteArgv } from '../../../lib/log/redact.js';
import { redactMeta } from '../../../lib/log/redact-meta.js';

describe('createRedactor', () => {
  it('replaces every occurrence of every secret it was given', () => {
    const redact = createRedactor(['s3cr3t', 'hunter2']);
    expect(redact('auth with s3cr3t failed, retried with s3cr3t and hunter2')).toBe('auth with *** failed, retried with *** and ***');
  });

  it('hides a secret whole even when another secret is part of it', () => {
    expect(createRedactor(['abc', 'abcdef'])('pw=abcdef')).toBe('pw=***');
  });

  it('treats secrets as text, not as patterns', () => {
    expect(createRedactor(['a.b*c(d'])('x a.b*c(d y axbbbcd')).toBe('x *** y axbbbcd');
  });

  it('ignores empty secrets instead of masking everything', () => {
    expect(createRedactor([''])('nothing to hide')).toBe('nothing to hide');
  });

  it('masks password= in conninfo strings, quoted or not', () => {
    const redact = createRedactor([]);
    expect(redact('host=db user=app password=p4ss dbname=app')).toBe('host=db user=app password=*** dbname=app');
    expect(redact("host=db password='p a\\'ss' dbname=app")).toBe('host=db password=*** dbname=app');
    expect(redact('PASSWORD = x')).toBe('PASSWORD = ***');
  });

  it('masks the password in postgres:// and postgresql:// URLs but keeps the user and host', () => {
    const redact = createRedactor([]);
    expect(redact('connecting to postgres://app:p%40ss@db.example:5432/app')).toBe('connecting to postgres://app:***@db.example:5432/app');
    expect(redact('postgresql://app:p@ss@db/app?sslmode=require')).toBe('postgresql://app:***@db/app?sslmode=require');
    expect(redact('postgres://app@db/app')).toBe('postgres://app@db/app');
  });

  it('masks the patterns in any letter case (a quick check of the words before them must not miss one)', () => {
    const redact = createRedactor([]);
    expect(redact('POSTGRESQL://app:p4ss@db/app')).toBe('POSTGRESQL://app:***@db/app');
    expect(redact('PostGres://app:p4ss@db/app')).toBe('PostGres://app:***@db/app');
    expect(redact('host=db PassWord=p4ss')).toBe('host=db PassWord=***');
    expect(redact('pg_dump: reading schemas')).toBe('pg_dump: reading schemas');
  });

  it('masks PGPASSWORD= assignments', () => {
    expect(createRedactor([])('env PGPASSWORD=topsecret pg_dump app')).toBe('env PGPASSWORD=*** pg_dump app');
    expect(createRedactor([])(`PGPASSWORD='two words' psql`)).toBe('PGPASSWORD=*** psql');
  });
});

describe('redactMeta', () => {
  const redact = createRedactor(['s3cr3t']);

  it('redacts strings at any depth and masks password-like keys', () => {
    const meta = { url: 'postgres://u:x@h/d', nested: { list: ['s3cr3t', 1], password: 'whatever', PGPASSWORD: 'zz' }, tokenCount: 3 };
    expect(redactMeta(meta, redact)).toEqual({
      url: 'postgres://u:***@h/d',
      nested: { list: ['***', 1], password: '***', PGPASSWORD: '***' },
      tokenCount: 3,
    });
  });

  it('turns errors, bigints and cycles into JSON-friendly values', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const error = Object.assign(new Error('login failed with s3cr3t'), { code: '28P01' });
    const result = redactMeta({ error, big: 10n, cyclic, shared: [cyclic.name, cyclic.name] }, redact);
    expect(result).toEqual({
      error: { name: 'Error', message: 'login failed with ***', code: '28P01' },
      big: '10',
      cyclic: { name: 'loop', self: '[Circular]' },
      shared: ['loop', 'loop'],
    });
    expect(() => JSON.stringify(result)).not.toThrow();
  });
});

describe('quoteArgv', () => {
  it('leaves plain words alone', () => {
    expect(quoteArgv(['/usr/bin/pg_dump', '--format=custom', '--schema=public', '-Z', '6'])).toBe('/usr/bin/pg_dump --format=custom --schema=public -Z 6');
  });

  it('quotes empty strings, spaces, quotes, globs and shell syntax', () => {
    expect(quoteArgv(['', 'a b', "it's", '*', '$(rm -rf /)', '`id`', 'a;b', '"x"', 'new\nline'])).toBe(
      `'' 'a b' 'it'\\''s' '*' '$(rm -rf /)' '\`id\`' 'a;b' '"x"' 'new\nline'`,
    );
  });

  it('produces a line a POSIX shell splits back into the same argv', () => {
    const argv = ['--table=public."Odd Name"', "'; DROP TABLE x; --", 'tab\there', '~user', 'ü-ñ', '!event', '\\back', "''"];
    const echoed = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${quoteArgv(argv)}`], { encoding: 'utf8' });
    expect(echoed.split('\0').slice(0, -1)).toEqual(argv);
  });
});
