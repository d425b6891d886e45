import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** A fresh temp directory per test, removed afterwards. */
export function useTempDir(): () => string {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgbak-archive-'));
  });
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error('temp dir used outside a test');
    return dir;
  };
}

export function sha256Of(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A source that makes `total` random bytes on demand, one chunk per read(), so
 * nothing exists before the consumer asks for it. `onRead` sees how much was produced.
 */
export function generatedSource(total: number, chunkSize = 64 * 1024, onRead?: (produced: number) => void) {
  const hash = createHash('sha256');
  let produced = 0;
  const stream = new Readable({
    read() {
      onRead?.(produced);
      if (produced >= total) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(chunkSize, total - produced));
      produced += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex'), produced: () => produced };
}

/** Something that never ends until destroyed: a stand-in for a dump in progress. */
export function endlessSource(): Readable {
  return new Readable({
    read() {
      setTimeout(() => this.push(Buffer.alloc(16 * 1024, 'x')), 2);
    },
  });
}
