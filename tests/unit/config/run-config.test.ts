import { jest } from '@jest/globals';
import { join } from 'node:path';
import { profileSchema } from '../../../lib/config/profile-schema.js';
import { loadCommandConfig, loadRunConfig, type RunConfigInput } from '../../../lib/config/run-config.js';
import { compile } from '../../../lib/plan/compile.js';
import { inventory, version } from '../plan/support.js';
import { createTempDir, rejection, type TempDir } from './support.js';

const profileYaml = `
description: nightly
outputDir: \${BACKUP_ROOT}/nightly
connection:
  database: app
retention:
  keep-last: 3
steps:
  - kind: full
  - kind: globals-only
`;

describe('loadRunConfig', () => {
  let dir: TempDir;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await createTempDir();
    await dir.write('profiles/nightly.yaml', profileYaml);
  });
  afterAll(async () => {
    await dir.remove();
  });
  beforeEach(() => {
    env = { PGHOST: 'db.internal', PGUSER: 'backup', PGPASSWORD: 'pw-in-env', BACKUP_ROOT: '/srv/backups' };
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const input = (more: Partial<RunConfigInput> = {}): RunConfigInput => ({ profile: 'nightly', cwd: dir.path, env, ...more });

  // As prepareRun does after loading: compile with what the server and the machine said.
  const compileRun = (config: Awaited<ReturnType<typeof loadRunConfig>>) =>
    compile({
      profile: config.profile,
      connection: config.connection,
      facts: { server: version('15.8'), databases: ['app'], tools: inventory('15.8') },
      outputDir: config.outputDir,
      now: new Date('2026-12-04T02:00:00Z'),
    });

  it('returns one deeply frozen object: env, profile, steps, connection, folders', async () => {
    const config = await loadRunConfig(input());
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.env)).toBe(true);
    expect(Object.isFrozen(config.profileDirs)).toBe(true);
    expect(Object.isFrozen(config.profile)).toBe(true);
    expect(Object.isFrozen(config.profile.profile)).toBe(true);
    expect(Object.isFrozen(config.profile.profile.steps[0])).toBe(true);
    expect(Object.isFrozen(config.profile.profile.retention)).toBe(true);
    expect(Object.isFrozen(config.connection)).toBe(true);
    expect(config.connection).toMatchObject({ host: 'db.internal', user: 'backup', database: 'app' });
    expect(config.connection.password?.reveal()).toBe('pw-in-env');
    expect(config.outputDir).toBe('/srv/backups/nightly');
    expect(config.profile.deprecations).toEqual([`${join(dir.path, 'profiles', 'nightly.yaml')}: retention.keep-last is deprecated: write keepLast`]);
  });

  it('parses and validates the profile once for a run without command-line overrides', async () => {
    const parses = jest.spyOn(profileSchema, 'safeParse');
    const config = await loadRunConfig(input());
    compileRun(config);
    expect(parses).toHaveBeenCalledTimes(1);
  });

  it('validates once more, and only once, when flags change the profile', async () => {
    const parses = jest.spyOn(profileSchema, 'safeParse');
    const config = await loadRunConfig(input({ overrides: { format: 'plain', verify: true } }));
    const plan = compileRun(config);
    // The file, then the file with the flags applied; compile trusts the result.
    expect(parses).toHaveBeenCalledTimes(2);
    expect(plan.verify).toBe(true);
    expect(plan.steps[0]).toMatchObject({ args: expect.arrayContaining(['--format=plain']) });
  });

  it('reads the environment once: a later change to it is not seen', async () => {
    const config = await loadRunConfig(input());
    env.PGHOST = 'elsewhere';
    env.BACKUP_ROOT = '/elsewhere';
    expect(config.env.PGHOST).toBe('db.internal');
    expect(config.connection.host).toBe('db.internal');
    expect(compileRun(config).outputDir).toBe('/srv/backups/nightly');
  });

  it('never freezes the environment it was given', async () => {
    await loadRunConfig(input());
    expect(Object.isFrozen(env)).toBe(false);
    const command = await loadCommandConfig({ cwd: dir.path });
    expect(Object.isFrozen(process.env)).toBe(false);
    expect(command.env).not.toBe(process.env);
    expect(Object.isFrozen(command.env)).toBe(true);
  });

  it('reports a flag that breaks the profile as a usage error naming the profile (exit 2)', async () => {
    const error = await rejection(() => loadRunConfig(input({ overrides: { jobs: 4 } })));
    expect(error.code).toBe('USAGE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('profile nightly with the command-line options is invalid:\n  steps[0].jobs: jobs > 1 needs format: directory (pg_dump runs parallel dumps only there) or engine: native');
  });

  it('reports every problem of the file at once, before looking at the flags', async () => {
    const file = await dir.write('profiles/broken.yaml', 'stpes: []\nsteps:\n  - kind: ful\n');
    const error = await rejection(() => loadRunConfig(input({ profile: 'broken', overrides: { format: 'plain' } })));
    expect(error.code).toBe('PROFILE_INVALID');
    expect(error.message).toContain(`profile ${file} is invalid (2 problems)`);
    expect(error.message).toContain('did you mean "steps"');
  });

  it('refuses a tables step with no tables, even without flags', async () => {
    await dir.write('profiles/no-tables.yaml', 'steps:\n  - kind: tables\n');
    const error = await rejection(() => loadRunConfig(input({ profile: 'no-tables' })));
    expect(error.code).toBe('USAGE');
    expect(error.message).toMatch(/no-tables\.yaml: steps\[0\]: kind tables needs tables/);
  });
});

describe('loadRunConfig: --output-dir beside a profile storage list', () => {
  let dir: TempDir;
  const env = { PGHOST: 'db.internal', PGUSER: 'backup' };
  beforeAll(async () => {
    dir = await createTempDir();
    await dir.write('profiles/offsite.yaml', 'storage:\n  - s3: { bucket: acme-backups, prefix: "pg/" }\n  - local: { dir: /var/backups/pgbak }\nsteps:\n  - kind: full\n');
    await dir.write('profiles/twice.yaml', 'storage:\n  - local: { dir: /a }\n  - local: { dir: /b }\nsteps:\n  - kind: full\n');
    await dir.write('profiles/s3only.yaml', 'storage:\n  - s3: { bucket: acme-backups }\nsteps:\n  - kind: full\n');
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('moves the local copy and keeps the bucket (the flag wins over the file)', async () => {
    const config = await loadRunConfig({ profile: 'offsite', cwd: dir.path, env, outputDir: 'elsewhere' });
    expect(config.storage.map((where) => (where.kind === 'local' ? where.dir : where.bucket))).toEqual(['acme-backups', join(dir.path, 'elsewhere')]);
    expect(config.outputDir).toBe(join(dir.path, 'elsewhere'));
  });

  it('without the flag, the profile says where the local copy goes', async () => {
    const config = await loadRunConfig({ profile: 'offsite', cwd: dir.path, env });
    expect(config.outputDir).toBe('/var/backups/pgbak');
  });

  it('with S3 only, the flag says where the log and the locks go, and adds no local copy', async () => {
    const config = await loadRunConfig({ profile: 's3only', cwd: dir.path, env, outputDir: 'state' });
    expect(config.storage.map((where) => where.kind)).toEqual(['s3']);
    expect(config.outputDir).toBe(join(dir.path, 'state'));
  });

  it('refuses the flag when the profile has several local copies (exit 2)', async () => {
    const error = await rejection(() => loadRunConfig({ profile: 'twice', cwd: dir.path, env, outputDir: 'x' }));
    expect(error).toMatchObject({ code: 'USAGE', exitCode: 2 });
    expect((error as Error).message).toContain('2 local folders');
  });

  it('--storage replaces the whole list, whatever --output-dir says', async () => {
    const config = await loadRunConfig({ profile: 'twice', cwd: dir.path, env, outputDir: 'x', storage: ['/c'] });
    expect(config.storage).toEqual([{ kind: 'local', dir: '/c' }]);
  });
});
