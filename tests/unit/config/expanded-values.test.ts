import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProfile } from '../../../lib/config/load-profile.js';
import { resolveConnection } from '../../../lib/config/resolve-connection.js';

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
  it('is read relative to the profile folder, not the working directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgbak-pwfile-'));
    await writeFile(join(dir, 'secret.txt'), 's3cret\n');
    const connection = await resolveConnection({ env: {}, profile: { passwordFile: 'secret.txt' }, profileDir: dir });
    expect(connection.password?.reveal()).toBe('s3cret');
    expect(connection.origin.password).toBe('profile');
  });
});
