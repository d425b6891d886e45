import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveSide } from '../../../lib/compare/sides.js';
import { PgbakError } from '../../../lib/errors.js';

async function refusal(promise: Promise<unknown>): Promise<PgbakError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PgbakError);
  return error as PgbakError;
}

describe('resolveSide with a bad URL', () => {
  it('names --source, not DATABASE_URL, when the --source URL is malformed', async () => {
    const error = await refusal(resolveSide('source', { value: 'postgres://ro:p%zz@prod/app' }, { env: {}, cwd: '/', schemas: [] }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('--source cannot be used: its password holds a malformed %-escape (write % as %25)');
    expect(error.message).not.toContain('DATABASE_URL');
  });

  it('names --target for the target', async () => {
    const error = await refusal(resolveSide('target', { value: 'postgresql://h:99999999/db' }, { env: { DATABASE_URL: 'postgres://fine/db' }, cwd: '/', schemas: [] }));
    expect(error.message).toBe('--target cannot be used: it is not a valid URL');
  });

  it('names the env file when its DATABASE_URL is malformed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pgbak-sides-'));
    try {
      await writeFile(path.join(dir, 'prod.env'), 'DATABASE_URL=postgres://ro:p%zz@prod/app\n');
      const error = await refusal(resolveSide('source', { envFile: 'prod.env' }, { env: {}, cwd: dir, schemas: [] }));
      expect(error.message).toMatch(/^DATABASE_URL in --source-env prod\.env cannot be used: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('still names DATABASE_URL when the environment gave it', async () => {
    const error = await refusal(resolveSide('source', { database: 'app' }, { env: { DATABASE_URL: 'postgres://ro:p%zz@prod/app' }, cwd: '/', schemas: [] }));
    expect(error.message).toMatch(/^DATABASE_URL cannot be used: /);
  });

  it('warns when a --source-env file holding a password may be read by others (as libpq does for .pgpass)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pgbak-sides-'));
    try {
      const file = path.join(dir, 'prod.env');
      await writeFile(file, 'DATABASE_URL=postgres://ro:secret@prod:70000/app\n');
      await chmod(file, 0o644);
      const warnings: string[] = [];
      // The port makes resolution fail after the file is read: no server is needed.
      await refusal(resolveSide('source', { envFile: 'prod.env' }, { env: {}, cwd: dir, schemas: [], warn: (m) => warnings.push(m) }));
      expect(warnings).toEqual([`env file ${file} holds a password and has group or world access; permissions should be u=rw (0600) or less (chmod 600 ${file})`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
