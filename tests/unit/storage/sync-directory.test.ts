// syncDirectory shares one fsync of a folder among callers at the same moment (the
// archives of a per-database run commit side by side), but never hands a caller a sync
// that began before it called: that one may have missed the caller's rename.
import { jest } from '@jest/globals';
import * as realFs from 'node:fs/promises';

type Sync = { dir: string; finish: (error?: Error) => void };
const syncs: Sync[] = [];
const open = jest.fn(async (dir: string) => ({
  sync: () =>
    new Promise<void>((resolve, reject) => {
      syncs.push({ dir, finish: (error) => (error ? reject(error) : resolve()) });
    }),
  close: async () => undefined,
}));
jest.unstable_mockModule('node:fs/promises', () => ({ ...realFs, open }));
const { syncDirectory } = await import('../../../lib/private-fs.js');

const settled = async <T>(promise: Promise<T>) => {
  let state = 'pending';
  promise.then(() => (state = 'resolved'), () => (state = 'rejected'));
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe('syncDirectory', () => {
  beforeEach(() => {
    syncs.length = 0;
    open.mockClear();
  });

  it('makes callers that come during a sync wait for the next one, which they share', async () => {
    const a = syncDirectory('/backups');
    await settled(a);
    expect(syncs).toHaveLength(1);
    const b = syncDirectory('/backups');
    const c = syncDirectory('/backups/');
    syncs[0]!.finish();
    expect(await settled(a)).toBe('resolved');
    // The first sync began before b and c called: it does not count for them.
    expect(await settled(b)).toBe('pending');
    expect(syncs).toHaveLength(2);
    syncs[1]!.finish();
    expect(await settled(b)).toBe('resolved');
    expect(await settled(c)).toBe('resolved');
    expect(open).toHaveBeenCalledTimes(2);
    // Nothing under way any more: the next caller starts a sync of its own at once.
    const d = syncDirectory('/backups');
    await settled(d);
    expect(syncs).toHaveLength(3);
    syncs[2]!.finish();
    expect(await settled(d)).toBe('resolved');
  });

  it('gives every caller of a shared sync its failure, and syncs other folders on their own', async () => {
    const a = syncDirectory('/one');
    const other = syncDirectory('/two');
    await settled(a);
    expect(syncs.map((s) => s.dir)).toEqual(['/one', '/two']);
    const b = syncDirectory('/one');
    const c = syncDirectory('/one');
    syncs[0]!.finish();
    await settled(b);
    syncs[2]!.finish(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await expect(b).rejects.toThrow('EIO');
    await expect(c).rejects.toThrow('EIO');
    await expect(a).resolves.toBeUndefined();
    syncs[1]!.finish();
    await expect(other).resolves.toBeUndefined();
  });
});
