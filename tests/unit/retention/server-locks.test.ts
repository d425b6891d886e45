import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockHeld } from '../../../lib/retention/lock-state.js';
import { lockFileName } from '../../../lib/plan/names.js';

describe('lockHeld', () => {
  it('sees the run lock of a server of a several-server profile (prune skips that server × database)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgbak-server-locks-'));
    try {
      // A run on another host holds it: never taken for gone.
      const owner = { pid: 1, host: 'elsewhere.invalid', bootId: null, startTicks: null, startedAt: '2026-12-05T01:00:00Z' };
      await writeFile(join(dir, lockFileName('fleet', 'app', 'east')), JSON.stringify(owner));
      expect(await lockHeld(dir, 'fleet', 'app')).toContain(`holds ${join(dir, '.pgbak-fleet@east@app.lock')}`);
      expect(await lockHeld(dir, 'fleet', 'crm')).toBeNull();
      expect(await lockHeld(dir, 'other', 'app')).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
