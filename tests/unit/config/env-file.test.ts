import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { loadEnv } from '../../../lib/config/env-file.js';
import { createTempDir, rejection, type TempDir } from './support.js';

describe('loadEnv', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await createTempDir();
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('reads the default .env from the working folder: comments, quotes, export-free lines', async () => {
    await dir.write(
      '.env',
      ['# connection for the nightly job', 'PGHOST=db.internal', "PGUSER='backup'", 'PGPASSWORD="s3 cr#t"', 'EMPTY=', ''].join('\n'),
    );
    const env = await loadEnv({ cwd: dir.path, env: {} });
    expect(env).toEqual({ PGHOST: 'db.internal', PGUSER: 'backup', PGPASSWORD: 's3 cr#t', EMPTY: '' });
  });

  it('lets a variable already set in the real environment win over the file', async () => {
    await dir.write('.env', 'PGHOST=from-file\nPGPORT=6000\n');
    const env = await loadEnv({ cwd: dir.path, env: { PGHOST: 'from-real-env', PATH: '/usr/bin' } });
    expect(env).toEqual({ PGHOST: 'from-real-env', PGPORT: '6000', PATH: '/usr/bin' });
  });

  it('lets a variable set to the empty string in the real environment win too', async () => {
    await dir.write('.env', 'PGHOST=from-file\n');
    const env = await loadEnv({ cwd: dir.path, env: { PGHOST: '' } });
    expect(env.PGHOST).toBe('');
  });

  it('does not change process.env', async () => {
    await dir.write('.env', 'PGBAK_UNIT_TEST_ONLY=1\n');
    await loadEnv({ cwd: dir.path, env: {} });
    expect(process.env.PGBAK_UNIT_TEST_ONLY).toBeUndefined();
  });

  it('returns a frozen environment when a file was read', async () => {
    await dir.write('.env', 'A=1\n');
    const env = await loadEnv({ cwd: dir.path, env: { B: '2' } });
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('is fine without a default .env and returns the environment as given', async () => {
    const given = { PGHOST: 'h' };
    const env = await loadEnv({ cwd: dir.path, env: given });
    expect(env).toEqual({ PGHOST: 'h' });
  });

  it('reads an explicit --env-file relative to the working folder', async () => {
    await dir.write('config/prod.env', 'PGDATABASE=prod\n');
    await dir.write('.env', 'PGDATABASE=default\n');
    const env = await loadEnv({ cwd: dir.path, envFile: 'config/prod.env', env: {} });
    expect(env).toEqual({ PGDATABASE: 'prod' });
  });

  it('refuses a missing explicit --env-file with CONFIG_INVALID naming the path', async () => {
    const error = await rejection(() => loadEnv({ cwd: dir.path, envFile: 'missing.env', env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`${dir.path}/missing.env`);
    expect(error.message).toContain('ENOENT');
    expect(error.hint).toMatch(/--env-file/);
  });

  it('refuses an explicit --env-file that is a folder', async () => {
    await dir.write('folder/placeholder', '');
    const error = await rejection(() => loadEnv({ cwd: dir.path, envFile: 'folder', env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
  });

  describe('a password in a file others may read (as libpq warns for .pgpass)', () => {
    async function warningsFor(text: string, mode: number): Promise<string[]> {
      const file = await dir.write('.env', text);
      await chmod(file, mode);
      const warnings: string[] = [];
      await loadEnv({ cwd: dir.path, env: {}, warn: (message) => warnings.push(message) });
      return warnings;
    }

    it('warns once for a PGPASSWORD in a .env readable by group or others, naming the file and the fix', async () => {
      const warnings = await warningsFor('PGPASSWORD=hunter2\n', 0o644);
      expect(warnings).toEqual([
        `env file ${join(dir.path, '.env')} holds a password and has group or world access; permissions should be u=rw (0600) or less (chmod 600 ${join(dir.path, '.env')})`,
      ]);
      expect(warnings[0]).not.toContain('hunter2');
    });

    it('warns for a password inside DATABASE_URL, and for group access alone', async () => {
      expect(await warningsFor('DATABASE_URL=postgres://u:pw@h/db\n', 0o640)).toHaveLength(1);
      expect(await warningsFor('DATABASE_URL=postgres://u@h/db?password=pw\n', 0o604)).toHaveLength(1);
    });

    it('says nothing for a 0600 file, or for an open file without a password', async () => {
      expect(await warningsFor('PGPASSWORD=hunter2\n', 0o600)).toEqual([]);
      expect(await warningsFor('PGPASSWORD=hunter2\n', 0o400)).toEqual([]);
      expect(await warningsFor('PGHOST=db\nDATABASE_URL=postgres://u@h/db\n', 0o644)).toEqual([]);
    });

    it('still reads the file (a warning, not a refusal)', async () => {
      await dir.write('.env', 'PGPASSWORD=hunter2\n');
      await chmod(join(dir.path, '.env'), 0o644);
      expect((await loadEnv({ cwd: dir.path, env: {}, warn: () => undefined })).PGPASSWORD).toBe('hunter2');
    });
  });
});
