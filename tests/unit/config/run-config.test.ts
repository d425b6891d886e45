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
