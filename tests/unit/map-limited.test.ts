import { mapLimitedByKey } from '../../lib/map-limited.js';
import { isServerLockOf, lockFileName } from '../../lib/plan/names.js';

describe('mapLimitedByKey', () => {
  it('holds both bounds: at most `limit` over all and `keyLimit` per key, results in order', async () => {
    const items = ['a1', 'a2', 'a3', 'b1', 'b2', 'c1'];
    let active = 0;
    let most = 0;
    const perKey = new Map<string, number>();
    const mostPerKey = new Map<string, number>();
    const results = await mapLimitedByKey(items, 3, (item) => item[0]!, (key) => (key === 'a' ? 2 : 1), async (item) => {
      const key = item[0]!;
      active++;
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      most = Math.max(most, active);
      mostPerKey.set(key, Math.max(mostPerKey.get(key) ?? 0, perKey.get(key)!));
      await new Promise((resolve) => setTimeout(resolve, 5));
      perKey.set(key, perKey.get(key)! - 1);
      active--;
      return item.toUpperCase();
    });
    expect(results).toEqual(items.map((item) => item.toUpperCase()));
    expect(most).toBe(3);
    expect(Object.fromEntries(mostPerKey)).toEqual({ a: 2, b: 1, c: 1 });
  });

  it('lets a later item of another key go while one key is full', async () => {
    const started: string[] = [];
    await mapLimitedByKey(['a1', 'a2', 'b1'], 2, (item) => item[0]!, () => 1, async (item) => {
      started.push(item);
      await new Promise((resolve) => setTimeout(resolve, 5));
    });
    expect(started.slice(0, 2)).toEqual(['a1', 'b1']);
  });

  it('resolves an empty list and rejects with the first failure', async () => {
    await expect(mapLimitedByKey([], 2, String, () => 1, async () => 1)).resolves.toEqual([]);
    await expect(mapLimitedByKey([1, 2], 2, String, () => 1, async (n) => { if (n === 2) throw new Error('two'); return n; })).rejects.toThrow('two');
  });
});

describe('run locks of a several-server profile', () => {
  it('name the server, and are told apart from those of other profiles and databases', () => {
    const lock = lockFileName('fleet', 'app', 'east');
    expect(lock).toBe('.pgbak-fleet@east@app.lock');
    expect(lockFileName('fleet', 'app')).toBe('.pgbak-fleet@app.lock');
    expect(isServerLockOf(lock, 'fleet', 'app')).toBe(true);
    expect(isServerLockOf(lock, 'fleet', 'crm')).toBe(false);
    expect(isServerLockOf(lock, 'fleet2', 'app')).toBe(false);
    expect(isServerLockOf('.pgbak-fleet@app.lock', 'fleet', 'app')).toBe(false);
  });
});
