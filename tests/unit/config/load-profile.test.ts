import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { listProfiles, loadProfile, parseProfile } from '../../../lib/config/load-profile.js';
import { builtInProfilesDir, resolveProfileDirs, type ProfileDirs } from '../../../lib/config/profile-dirs.js';
import { createTempDir, rejection, thrown, type TempDir } from './support.js';

const builtInNames = readdirSync(builtInProfilesDir)
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => basename(name, '.yaml'))
  .sort();

describe('built-in profiles', () => {
  let dir: TempDir;
  let dirs: ProfileDirs;
  beforeAll(async () => {
    dir = await createTempDir();
    dirs = { user: join(dir.path, 'profiles'), builtIn: builtInProfilesDir };
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('ships the six kinds and the nightly example', () => {
    expect(builtInNames).toEqual(['data-only', 'full', 'globals-only', 'large-objects', 'nightly', 'schema-only', 'tables']);
  });

  it.each(builtInNames)('loads and validates the built-in profile %s', async (name) => {
    const loaded = await loadProfile(name, dirs, {}, dir.path);
    expect(loaded.name).toBe(name);
    expect(loaded.origin).toBe('built-in');
    expect(loaded.file).toBe(join(builtInProfilesDir, `${name}.yaml`));
    expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(loaded.profile.description).toEqual(expect.any(String));
    expect(loaded.profile.steps.length).toBeGreaterThan(0);
    expect(Object.isFrozen(loaded.profile)).toBe(true);
    expect(Object.isFrozen(loaded.profile.steps[0])).toBe(true);
  });

  it('gives each single-kind built-in profile a step of the kind it is named after', async () => {
    for (const name of builtInNames.filter((n) => n !== 'nightly')) {
      const loaded = await loadProfile(name, dirs, {}, dir.path);
      expect(loaded.profile.steps.map((step) => step.kind)).toEqual([name]);
    }
  });

  it('makes nightly a full dump plus the globals', async () => {
    const loaded = await loadProfile('nightly', dirs, {}, dir.path);
    expect(loaded.profile.steps.map((step) => [step.name, step.kind])).toEqual([
      ['database', 'full'],
      ['globals', 'globals-only'],
    ]);
  });

  it('lists every built-in profile with its description when there is no user folder', async () => {
    const list = await listProfiles(dirs, {});
    expect(list.map((p) => p.name)).toEqual(builtInNames);
    for (const entry of list) {
      expect(entry.origin).toBe('built-in');
      expect(entry.error).toBeUndefined();
      expect(entry.description).toEqual(expect.any(String));
    }
  });
});

describe('resolveProfileDirs', () => {
  it('uses --profiles-dir, then PGBAK_PROFILES_DIR, then ./profiles, relative to the working folder', () => {
    expect(resolveProfileDirs({ cwd: '/work', env: { PGBAK_PROFILES_DIR: 'env' }, profilesDir: 'flag' }).user).toBe('/work/flag');
    expect(resolveProfileDirs({ cwd: '/work', env: { PGBAK_PROFILES_DIR: '/etc/pgbak' } }).user).toBe('/etc/pgbak');
    expect(resolveProfileDirs({ cwd: '/work', env: {} }).user).toBe('/work/profiles');
    expect(resolveProfileDirs({ cwd: '/work', env: {} }).builtIn).toBe(resolve(builtInProfilesDir));
  });

  it('has no user folder when ./profiles is the built-in folder itself, so built-ins stay built-in', async () => {
    const dirs = resolveProfileDirs({ cwd: dirname(resolve(builtInProfilesDir)), env: {} });
    expect(dirs.user).toBeNull();
    const list = await listProfiles(dirs, {});
    expect(list.map((p) => p.origin)).toEqual(builtInNames.map(() => 'built-in'));
    expect((await loadProfile('full', dirs, {}, '/')).origin).toBe('built-in');
  });
});

describe('loadProfile', () => {
  let dir: TempDir;
  let dirs: ProfileDirs;
  beforeEach(async () => {
    dir = await createTempDir();
    dirs = { user: join(dir.path, 'profiles'), builtIn: builtInProfilesDir };
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('lets a user profile shadow the built-in profile of the same name', async () => {
    const file = await dir.write('profiles/full.yaml', 'description: my full\nsteps:\n  - kind: full\n    format: directory\n    jobs: 4\n');
    const loaded = await loadProfile('full', dirs, {}, dir.path);
    expect(loaded).toMatchObject({ name: 'full', file, origin: 'user' });
    expect(loaded.profile.steps[0]).toMatchObject({ format: 'directory', jobs: 4 });

    const list = await listProfiles(dirs, {});
    expect(list.filter((p) => p.name === 'full')).toEqual([{ name: 'full', file, origin: 'user', description: 'my full' }]);
    expect(list.map((p) => p.name)).toEqual(builtInNames);
  });

  it('finds a .yml user profile by name', async () => {
    const file = await dir.write('profiles/weekly.yml', 'steps:\n  - kind: schema-only\n');
    const loaded = await loadProfile('weekly', dirs, {}, dir.path);
    expect(loaded).toMatchObject({ name: 'weekly', file, origin: 'user' });
  });

  it('lists an invalid user profile with its error instead of failing the listing', async () => {
    const file = await dir.write('profiles/broken.yaml', 'steps:\n  - kind: everything\n');
    const list = await listProfiles(dirs, {});
    const broken = list.find((p) => p.name === 'broken');
    expect(broken).toMatchObject({ name: 'broken', file, origin: 'user' });
    expect(broken?.error).toContain('steps[0].kind');
    expect(list.length).toBe(builtInNames.length + 1);
  });

  it('loads a profile by relative path, naming it after the file', async () => {
    const file = await dir.write('elsewhere/custom.yaml', 'steps:\n  - kind: data-only\n');
    const loaded = await loadProfile('elsewhere/custom.yaml', dirs, {}, dir.path);
    expect(loaded).toMatchObject({ name: 'custom', file, origin: 'user' });
  });

  it('loads a profile by absolute path and by a bare file name ending in .yaml', async () => {
    const file = await dir.write('custom.yaml', 'steps:\n  - kind: data-only\n');
    expect((await loadProfile(file, dirs, {}, '/')).file).toBe(file);
    expect((await loadProfile('custom.yaml', dirs, {}, dir.path)).file).toBe(file);
  });

  it('records the sha256 of the file as written, before ${VAR} expansion', async () => {
    const text = 'steps:\n  - kind: full\n    database: ${DB}\n';
    await dir.write('profiles/p.yaml', text);
    const a = await loadProfile('p', dirs, { DB: 'one' }, dir.path);
    const b = await loadProfile('p', dirs, { DB: 'two' }, dir.path);
    expect(a.sha256).toBe(b.sha256);
    expect(a.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(a.profile.steps[0]?.database).toBe('one');
    expect(b.profile.steps[0]?.database).toBe('two');
  });

  it('reports an unknown profile name with PROFILE_NOT_FOUND naming the user folder', async () => {
    const error = await rejection(() => loadProfile('nope', dirs, {}, dir.path));
    expect(error.code).toBe('PROFILE_NOT_FOUND');
    expect(error.message).toContain('"nope"');
    expect(error.message).toContain(dirs.user);
    expect(error.hint).toMatch(/pgbak profiles/);
  });

  it('reports a missing profile path with PROFILE_NOT_FOUND', async () => {
    const error = await rejection(() => loadProfile('./missing.yaml', dirs, {}, dir.path));
    expect(error.code).toBe('PROFILE_NOT_FOUND');
    expect(error.message).toContain(join(dir.path, 'missing.yaml'));
  });

  it('treats a name with a slash as a path, so "../x" never searches the profile folders', async () => {
    await dir.write('x.yaml', 'steps:\n  - kind: full\n');
    const error = await rejection(() => loadProfile('../x', dirs, {}, join(dir.path, 'profiles')));
    expect(error.code).toBe('PROFILE_NOT_FOUND');
    expect(error.message).toContain(join(dir.path, 'x'));
  });

  it.each(['..', '.hidden', 'a b', 'a\\b', '-rf', 'ü', 'name;rm', ''])('refuses the profile name %j with USAGE', async (name) => {
    const error = await rejection(() => loadProfile(name, dirs, {}, dir.path));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain('is not a profile name');
  });
});

describe('parseProfile', () => {
  const file = '/profiles/test.yaml';
  const parse = (text: string, env: Record<string, string> = {}) => parseProfile(text, file, env);
  const problems = (text: string, env: Record<string, string> = {}) => {
    const error = thrown(() => parse(text, env));
    expect(error.code).toBe('PROFILE_INVALID');
    expect(error.exitCode).toBe(2);
    return error.message;
  };

  it('accepts a profile using every field', () => {
    const profile = parse(`
description: everything
connection:
  host: db
  port: 5433
  user: backup
  database: app
  sslmode: verify-full
  sslrootcert: /r.crt
  sslcert: /c.crt
  sslkey: /c.key
  passwordFile: /run/secrets/pg
outputDir: /backups
rowCounts: estimate
steps:
  - name: main
    kind: full
    databases: all
    excludeDatabases: [scratch]
    format: directory
    compression: zstd:3
    jobs: 4
    schemas: [public]
    excludeSchemas: [audit]
    tables: [public.orders]
    excludeTables: [public.tmp_*]
    excludeTableData: [public.logs]
    noOwner: true
    noPrivileges: true
    blobs: false
    lockWaitTimeout: 30s
    extraArgs: [--no-comments]
  - kind: globals-only
    noRolePasswords: true
    lockWaitTimeout: 1500
`);
    expect(profile.steps).toHaveLength(2);
    expect(profile.connection?.port).toBe(5433);
    expect(profile.steps[0]?.lockWaitTimeout).toBe('30s');
    expect(profile.steps[1]?.lockWaitTimeout).toBe(1500);
  });

  it('reports every problem at once, each with the file and the path inside it', () => {
    const message = problems(`
steps:
  - kind: everything
  - kind: full
    jobs: 0
  - kind: tables
    format: zip
`);
    expect(message).toMatch(/^profile \/profiles\/test\.yaml is invalid \(3 problems\):/);
    expect(message).toContain(`${file}: steps[0].kind:`);
    expect(message).toContain(`${file}: steps[1].jobs:`);
    expect(message).toContain(`${file}: steps[2].format:`);
  });

  it('says "1 problem" for a single problem', () => {
    expect(problems('steps:\n  - kind: full\n    noOwner: yes please\n')).toMatch(/\(1 problem\):\n {2}\/profiles\/test\.yaml: steps\[0\]\.noOwner:/);
  });

  it('gives a profile without steps one full step, and refuses an empty list of steps', () => {
    expect(parseProfile('', file, {}).steps).toEqual([{ kind: 'full' }]);
    expect(parseProfile('description: nothing\n', file, {}).steps).toEqual([{ kind: 'full' }]);
    expect(problems('steps: []\n')).toContain(`${file}: steps:`);
  });

  it('parses the example profile of the fleet issue as written: a full step over every database', () => {
    const text = [
      '# profiles/fleet.yaml',
      'connection: { host: "${PGHOST}" }',
      'databases: all                      # every database that allows connections, template0/1 excluded',
      'concurrency: 4                      # databases dumped at once',
      'storage: [ { s3: { bucket: acme-backups, prefix: "pg/{host}/{database}/" } } ]',
      '',
    ].join('\n');
    expect(parseProfile(text, file, { PGHOST: 'db1.internal' })).toEqual({
      connection: { host: 'db1.internal' },
      concurrency: 4,
      storage: [{ s3: { bucket: 'acme-backups', prefix: 'pg/{host}/{database}/' } }],
      steps: [{ kind: 'full', databases: 'all' }],
    });
  });

  it('hands the profile\'s databases to every step that names none, never to globals or a step with its own', () => {
    const profile = parseProfile(
      'databases: all\nexcludeDatabases: [scratch]\nsteps:\n  - kind: schema-only\n  - kind: full\n    databases: [app]\n  - kind: data-only\n    database: crm\n  - kind: globals-only\n',
      file,
      {},
    );
    expect(profile.steps).toEqual([
      { kind: 'schema-only', databases: 'all', excludeDatabases: ['scratch'] },
      { kind: 'full', databases: ['app'] },
      { kind: 'data-only', database: 'crm' },
      { kind: 'globals-only' },
    ]);
    expect(parseProfile('databases: [app, crm]\n', file, {}).steps).toEqual([{ kind: 'full', databases: ['app', 'crm'] }]);
    expect(problems('databases: [app]\nexcludeDatabases: [crm]\n')).toContain(`${file}: excludeDatabases: excludeDatabases needs databases: all`);
    expect(problems('databases: all\nsteps:\n  - kind: globals-only\n  - kind: full\n    database: app\n')).toContain(`${file}: databases: no step takes the profile's databases`);
  });

  it('reads a connections list, and refuses it beside connection, with two servers of one name, or with archives: single', () => {
    const profile = parseProfile('connections:\n  - { name: east, host: db1, port: "5433" }\n  - { host: db2 }\n', file, {});
    expect(profile.connections).toEqual([{ name: 'east', host: 'db1', port: 5433 }, { host: 'db2' }]);
    expect(problems('connection: { host: a }\nconnections: [ { host: b } ]\n')).toContain(`${file}: connections: set either connection (one server) or connections (several), not both`);
    expect(problems('connections: [ { host: a }, { name: a, host: b } ]\n')).toContain(`${file}: connections[1].name: connections[0] is also "a"`);
    expect(problems('connections: [ { host: a }, { host: b } ]\narchives: single\n')).toContain(`${file}: archives: archives: single puts every database into one zip`);
    expect(problems('connections: [ { name: "a/b", host: b } ]\n')).toContain(`${file}: connections[0].name:`);
    expect(problems('connections: [ { host: a, password: x } ]\n')).toContain(`${file}: connections[0]: Unrecognized key: "password"`);
  });

  it('refuses a top level that is not a mapping', () => {
    expect(problems('- kind: full\n')).toContain(`${file}: (top level):`);
  });

  it('refuses unknown keys at the top level, in connection and in a step', () => {
    const message = problems(`
keepForever: 7
connection:
  password: hunter2
steps:
  - kind: full
    compresion: 9
`);
    expect(message).toContain('3 problems');
    expect(message).toMatch(/\(top level\): .*keepForever/);
    expect(message).toMatch(/connection: .*password/);
    expect(message).toMatch(/steps\[0\]: .*compresion/);
  });

  it('suggests the closest key for an unknown one, at the top level, in connection, in a step and in retention', () => {
    const message = problems(`
outputdir: /srv
connection:
  hots: db
retention:
  keep_last: 2
steps:
  - kind: full
    compresion: 9
    exclude-tables: [x]
    frobnicate: true
`);
    expect(message).toContain(`${file}: (top level): Unrecognized key: "outputdir" (did you mean "outputDir"?)`);
    expect(message).toContain(`${file}: connection: Unrecognized key: "hots" (did you mean "host"?)`);
    expect(message).toContain(`${file}: retention: Unrecognized key: "keep_last" (did you mean "keepLast"?)`);
    expect(message).toMatch(/steps\[0\]: Unrecognized keys: .*\("compresion": did you mean "compression"\?\) \("exclude-tables": did you mean "excludeTables"\?\)\n/);
    expect(message).not.toContain('"frobnicate": did you mean');
  });

  it('reads retention keys in camelCase, and the old kebab-case with a deprecation note naming the file', () => {
    const deprecations: string[] = [];
    const profile = parseProfile('retention:\n  keep-last: 2\n  keepDaily: 7\n  keep-weekly: 4\nsteps:\n  - kind: full\n', file, {}, deprecations);
    expect(profile.retention).toEqual({ keepLast: 2, keepDaily: 7, keepWeekly: 4 });
    expect(deprecations).toEqual([`${file}: retention.keep-last is deprecated: write keepLast`, `${file}: retention.keep-weekly is deprecated: write keepWeekly`]);
  });

  it('refuses both spellings of one retention key', () => {
    expect(problems('retention:\n  keep-last: 2\n  keepLast: 3\nsteps:\n  - kind: full\n')).toContain(`${file}: retention: Unrecognized key: "keep-last" (did you mean "keepLast"?)`);
  });

  it('reports a YAML syntax error with line and column', () => {
    const message = problems('steps:\n  - kind: full\n    format: [custom\n');
    expect(message).toMatch(/\/profiles\/test\.yaml:\d+:\d+: /);
  });

  it('reports the exact line:col of a bad indentation', () => {
    const message = problems('steps:\n  - kind: full\n   format: custom\n');
    expect(message).toMatch(/\/profiles\/test\.yaml:3:\d+: /);
  });

  it('refuses a YAML alias bomb (billion laughs) as an invalid profile naming the file', () => {
    const levels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    const lines = levels.map((name, i) => `${name}: &${name} [${Array(9).fill(i === 0 ? '"lol"' : `*${levels[i - 1]}`).join(', ')}]`);
    const message = problems(`${lines.join('\n')}\nsteps:\n  - kind: full\n`);
    expect(message).toMatch(/^profile \/profiles\/test\.yaml is invalid \(1 problem\):/);
    expect(message).toContain(`${file}: Excessive alias count`);
  });

  it('still resolves a few aliases', () => {
    const profile = parse('steps:\n  - kind: full\n    schemas: &mine [public, app]\n  - kind: schema-only\n    schemas: *mine\n');
    expect(profile.steps[1]?.schemas).toEqual(['public', 'app']);
  });

  it('refuses duplicate keys as a YAML error', () => {
    const message = problems('steps:\n  - kind: full\n    kind: schema-only\n');
    expect(message).toMatch(/\/profiles\/test\.yaml:3:\d+: .*[Mm]ap keys must be unique/);
  });

  describe('${VAR} expansion', () => {
    it('replaces ${VAR} with the environment value', () => {
      const profile = parse('connection:\n  host: ${DB_HOST}\nsteps:\n  - kind: full\n    database: app_${ENV_NAME}\n', {
        DB_HOST: 'db.internal',
        ENV_NAME: 'prod',
      });
      expect(profile.connection?.host).toBe('db.internal');
      expect(profile.steps[0]?.database).toBe('app_prod');
    });

    it('uses the default of ${VAR:-default} when the variable is unset or empty', () => {
      const text = 'outputDir: ${OUT:-/var/backups}\nsteps:\n  - kind: full\n';
      expect(parse(text).outputDir).toBe('/var/backups');
      expect(parse(text, { OUT: '' }).outputDir).toBe('/var/backups');
      expect(parse(text, { OUT: '/mnt' }).outputDir).toBe('/mnt');
    });

    it('accepts an empty default', () => {
      expect(parse('description: "a${X:-}b"\nsteps:\n  - kind: full\n').description).toBe('ab');
    });

    it('writes a literal $ for $$, so $${VAR} stays unexpanded', () => {
      const profile = parse('description: "costs $$5, keeps $${HOME}"\nsteps:\n  - kind: full\n', { HOME: '/root' });
      expect(profile.description).toBe('costs $5, keeps ${HOME}');
    });

    it('leaves a lone $ and $VAR without braces alone', () => {
      expect(parse('description: "$ and $HOME"\nsteps:\n  - kind: full\n', { HOME: '/root' }).description).toBe('$ and $HOME');
    });

    it('expands inside lists', () => {
      const profile = parse('steps:\n  - kind: full\n    excludeTables: ["${S}.tmp", "${S}.log"]\n', { S: 'audit' });
      expect(profile.steps[0]?.excludeTables).toEqual(['audit.tmp', 'audit.log']);
    });

    it('reports every unset variable without default, with its path', () => {
      const message = problems('connection:\n  host: ${DB_HOST}\nsteps:\n  - kind: full\n    excludeTables: [a, "${MISSING_TABLE}"]\n');
      expect(message).toContain(`${file}: connection.host: environment variable DB_HOST is not set`);
      expect(message).toContain(`${file}: steps[0].excludeTables[1]: environment variable MISSING_TABLE is not set`);
      expect(message).toContain('${DB_HOST:-default}');
    });

    it('does not expand variables in keys or in comments', () => {
      const profile = parse('# ${UNSET} in a comment is fine\nsteps:\n  - kind: full\n');
      expect(profile.steps).toHaveLength(1);
    });
  });

  describe('cross-field rules', () => {
    it('refuses two steps with the same name, defaulting the name to the kind', () => {
      expect(problems('steps:\n  - kind: full\n  - kind: full\n')).toContain(`${file}: steps[1].name: step name "full" is used twice`);
      expect(problems('steps:\n  - name: a\n    kind: full\n  - name: a\n    kind: data-only\n')).toContain('steps[1].name: step name "a" is used twice');
      expect(problems('steps:\n  - name: data-only\n    kind: full\n  - kind: data-only\n')).toContain('steps[1].name');
    });

    it('accepts two steps of one kind with distinct names', () => {
      expect(parse('steps:\n  - name: app\n    kind: full\n    database: app\n  - name: crm\n    kind: full\n    database: crm\n').steps).toHaveLength(2);
    });

    it('refuses a step name that could escape the zip folder', () => {
      for (const name of ['../x', '.hidden', 'a/b', 'a b']) {
        expect(problems(`steps:\n  - name: "${name}"\n    kind: full\n`)).toContain('steps[0].name');
      }
    });

    it('refuses database and databases together', () => {
      expect(problems('steps:\n  - kind: full\n    database: app\n    databases: [crm]\n')).toContain('steps[0].databases: set either database or databases, not both');
    });

    it('refuses excludeDatabases without databases: all', () => {
      expect(problems('steps:\n  - kind: full\n    excludeDatabases: [scratch]\n')).toContain('steps[0].excludeDatabases: excludeDatabases needs databases: all');
      expect(problems('steps:\n  - kind: full\n    databases: [a, b]\n    excludeDatabases: [b]\n')).toContain('steps[0].excludeDatabases');
    });

    it('refuses an empty databases list and an empty tables list', () => {
      const message = problems('steps:\n  - kind: full\n    databases: []\n  - kind: tables\n    tables: []\n');
      expect(message).toContain('steps[0].databases');
      expect(message).toContain('steps[1].tables');
    });

    it('refuses jobs > 1 unless the format is directory', () => {
      expect(problems('steps:\n  - kind: full\n    jobs: 4\n')).toContain('steps[0].jobs: jobs > 1 needs format: directory');
      expect(problems('steps:\n  - kind: full\n    format: custom\n    jobs: 2\n')).toContain('steps[0].jobs');
      expect(parse('steps:\n  - kind: full\n    jobs: 1\n').steps[0]?.jobs).toBe(1);
      expect(parse('steps:\n  - kind: full\n    format: directory\n    jobs: 8\n').steps[0]?.jobs).toBe(8);
    });

    it('refuses dump options on a globals-only step, one problem per option', () => {
      const message = problems('steps:\n  - kind: globals-only\n    format: custom\n    compression: 9\n    database: app\n');
      expect(message).toContain('3 problems');
      expect(message).toContain('steps[0].format: kind globals-only does not take format');
      expect(message).toContain('steps[0].compression: kind globals-only does not take compression');
      expect(message).toContain('steps[0].database: kind globals-only does not take database');
    });

    it('refuses noRolePasswords outside globals-only', () => {
      expect(problems('steps:\n  - kind: full\n    noRolePasswords: true\n')).toContain('steps[0].noRolePasswords: noRolePasswords applies to kind globals-only only');
    });

    it('refuses excludeTableData on a schema-only step', () => {
      expect(problems('steps:\n  - kind: schema-only\n    excludeTableData: [logs]\n')).toContain('steps[0].excludeTableData');
    });

    it('refuses a lockWaitTimeout that PostgreSQL would not read', () => {
      for (const value of ['"30 seconds"', '"-1"', '0', '"1d"']) {
        expect(problems(`steps:\n  - kind: full\n    lockWaitTimeout: ${value}\n`)).toContain('steps[0].lockWaitTimeout');
      }
      for (const value of ['30s', '2min', '500ms', '1h', '250', '"10 s"']) {
        expect(() => parse(`steps:\n  - kind: full\n    lockWaitTimeout: ${value}\n`)).not.toThrow();
      }
    });

    it('refuses a port out of range and a compression level above 9', () => {
      const message = problems('connection:\n  port: 70000\nsteps:\n  - kind: full\n    compression: 10\n');
      expect(message).toContain('connection.port');
      expect(message).toContain('steps[0].compression');
    });
  });
});
