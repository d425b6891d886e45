// A small tmpfs for disk-full tests. Mounting needs root (CI runs as root); elsewhere
// the tests that need one are skipped with the reason printed.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface SmallTmpfs {
  dir: string;
  unmount(): Promise<void>;
}

/** Mounts a tmpfs of `size` (e.g. '2m') on a fresh temp folder, or says why it cannot. */
export async function mountSmallTmpfs(size: string): Promise<SmallTmpfs | { skipped: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pgbak-tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    const why = (mounted.error?.message ?? mounted.stderr ?? '').trim() || `mount exited with ${mounted.status}`;
    return { skipped: `cannot mount a ${size} tmpfs (${why}); disk-full tests need root` };
  }
  return {
    dir,
    async unmount() {
      spawnSync('umount', [dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
