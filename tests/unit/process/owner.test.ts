import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOwnedTempDir, currentOwner, ownerState, readDirOwner } from '../../../lib/process/owner.js';
import { deadOwner } from '../retention/fake-backups.js';

const linux = process.platform === 'linux';

describe('ownerState', () => {
  it('knows this process', async () => {
    expect(await ownerState(await currentOwner())).toBe('self');
  });

  it('calls a live process on this host alive', async () => {
    expect(await ownerState({ ...(await currentOwner()), pid: process.ppid, startTicks: null })).toBe('alive');
  });

  it('calls a pid with no process gone', async () => {
    expect(await ownerState(await deadOwner())).toBe('gone');
  });

  (linux ? it : it.skip)('calls a reused pid gone: same pid, another start time', async () => {
    expect(await ownerState({ ...(await currentOwner()), pid: process.ppid, startTicks: '1' })).toBe('gone');
  });

  (linux ? it : it.skip)('calls an owner from an earlier boot gone', async () => {
    expect(await ownerState({ ...(await currentOwner()), pid: process.ppid, bootId: 'another-boot' })).toBe('gone');
  });

  it('never judges an owner on another host (shared storage)', async () => {
    expect(await ownerState({ ...(await deadOwner()), host: 'elsewhere.example' })).toBe('unknown');
  });
});

describe('createOwnedTempDir', () => {
  it('makes a 0700 folder that names this process as its owner', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'pgbak-owner-'));
    try {
      const dir = await createOwnedTempDir(parent, '.pgbak-tmp-');
      expect(dir.startsWith(join(parent, '.pgbak-tmp-'))).toBe(true);
      expect(await readDirOwner(dir)).toEqual(await currentOwner());
      expect(await readdir(dir)).toEqual(['owner.json']);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
