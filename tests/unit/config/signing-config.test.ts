import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRunConfig } from '../../../lib/config/run-config.js';
import { compile } from '../../../lib/plan/compile.js';
import { inventory, version } from '../plan/support.js';
import { ed25519Pems } from '../crypto/support.js';
import { createTempDir, rejection, type TempDir } from './support.js';

const profile = (keyFile: string) => `
connection: { database: app }
signing: { keyFile: ${keyFile} }
steps: [{ kind: full }]
`;

describe('profile signing', () => {
  let dir: TempDir;
  const pems = ed25519Pems();
  beforeAll(async () => {
    dir = await createTempDir();
    await mkdir(join(dir.path, 'profiles', 'keys'), { recursive: true });
    await chmod(await dir.write('profiles/keys/signing.key', pems.privatePem), 0o600);
    await chmod(await dir.write('profiles/keys/loose.key', pems.privatePem), 0o644);
    await dir.write('profiles/signed.yaml', profile('keys/signing.key'));
    await dir.write('profiles/loose.yaml', profile('keys/loose.key'));
    await dir.write('profiles/missing.yaml', profile('keys/none.key'));
    await dir.write('profiles/typo.yaml', 'signing: { keyfile: x }\nsteps: [{ kind: full }]\n');
  });
  afterAll(async () => {
    await dir.remove();
  });
  const load = (name: string) => loadRunConfig({ profile: name, cwd: dir.path, env: { PGHOST: 'db', PGUSER: 'u' } });

  it('reads the key once at load (relative to the profile folder); the plan holds its id and file, never the key', async () => {
    const config = await load('signed');
    expect(config.signing?.keyId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(config.signing?.keyFile).toBe(join(dir.path, 'profiles', 'keys', 'signing.key'));
    const plan = compile({
      profile: config.profile,
      connection: config.connection,
      facts: { server: version('15.8'), databases: ['app'], tools: inventory('15.8') },
      outputDir: config.outputDir,
      signing: config.signing,
      now: new Date('2026-12-04T02:00:00Z'),
    });
    expect(plan.signing).toEqual({ algorithm: 'ed25519', keyId: config.signing!.keyId, keyFile: config.signing!.keyFile });
    const shown = JSON.stringify({ config, plan });
    expect(shown).not.toContain(pems.privatePem.split('\n')[1]!);
  });

  it('leaves the plan without signing when the profile does not sign', async () => {
    await dir.write('profiles/plain.yaml', 'connection: { database: app }\nsteps: [{ kind: full }]\n');
    const config = await load('plain');
    expect(config.signing).toBeNull();
  });

  it.each([
    ['loose', /signing\.keyFile: .*loose\.key can be read or written by group or others \(mode 0644\)/],
    ['missing', /signing\.keyFile: .*none\.key cannot be read: ENOENT/],
  ])('refuses profile %s with exit 2, naming the profile file', async (name, message) => {
    const error = await rejection(() => load(name));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`profile ${join(dir.path, 'profiles', `${name}.yaml`)}: signing.keyFile: `);
    expect(error.message).toMatch(message);
  });

  it('suggests the right key for a misspelt one', async () => {
    const error = await rejection(() => load('typo'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/signing: Unrecognized key.*keyfile.*did you mean "keyFile"/i);
  });
});
