import { parseProfile } from '../../../lib/config/load-profile.js';
import { resolveConnection } from '../../../lib/config/resolve-connection.js';
import { createTempDir, type TempDir } from './support.js';

describe('values that come from ${VAR}', () => {
  const yaml = [
    'connection:',
    '  port: ${P}',
    'steps:',
    '  - kind: full',
    '    format: directory',
    '    jobs: ${J}',
    '    noOwner: ${NO_OWNER}',
  ].join('\n');

  it('reads whole numbers and true/false from expanded strings', () => {
    const profile = parseProfile(yaml, 'p.yaml', { P: '6543', J: '3', NO_OWNER: 'true' });
    expect(profile.connection?.port).toBe(6543);
    expect(profile.steps[0]).toMatchObject({ jobs: 3, noOwner: true });
  });

  it('still refuses text that is not a number, naming the path', () => {
    expect(() => parseProfile(yaml, 'p.yaml', { P: 'five', J: '3', NO_OWNER: 'false' })).toThrow(/p\.yaml: connection\.port: .*number/);
  });
});

describe('a profile passwordFile', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await createTempDir('pgbak-pwfile-');
  });
  // The folder holds a password: it must not outlive the test.
  afterEach(() => dir.remove());

  it('is read relative to the profile folder, not the working directory', async () => {
    await dir.write('secret.txt', 's3cret\n');
    const connection = await resolveConnection({ env: {}, profile: { passwordFile: 'secret.txt' }, profileDir: dir.path });
    expect(connection.password?.reveal()).toBe('s3cret');
    expect(connection.origin.password).toBe('profile');
  });
});
