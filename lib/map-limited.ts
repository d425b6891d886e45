/** `work` over `items` with at most `limit` at a time; results in the order of `items`; the first rejection rejects. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * {@link mapLimited} with a second bound: at most `limit` items at a time over all, and at
 * most `keyLimit(key)` of one key (a server) at a time. Items start in their order, one whose
 * key is full waiting while a later one of another key goes; results in the order of `items`.
 */
export function mapLimitedByKey<T, R>(
  items: readonly T[],
  limit: number,
  keyOf: (item: T) => string,
  keyLimit: (key: string) => number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const waiting = items.map((_, index) => index);
  const running = new Map<string, number>();
  let active = 0;
  let failed = false;
  return new Promise((resolve, reject) => {
    const pump = () => {
      if (failed) return;
      if (waiting.length === 0 && active === 0) return resolve(results);
      for (let i = 0; i < waiting.length && active < limit; ) {
        const index = waiting[i]!;
        const key = keyOf(items[index]!);
        if ((running.get(key) ?? 0) >= Math.max(1, keyLimit(key))) {
          i++;
          continue;
        }
        waiting.splice(i, 1);
        active++;
        running.set(key, (running.get(key) ?? 0) + 1);
        work(items[index]!)
          .then(
            (result) => void (results[index] = result),
            (error: unknown) => {
              failed = true;
              reject(error);
            },
          )
          .finally(() => {
            active--;
            running.set(key, running.get(key)! - 1);
            pump();
          });
      }
    };
    pump();
  });
}
