// Upload sizes in the plan: read once from the databases the steps dump, never for a
// run without a bucket, and the default when the size cannot be read.
import { Writable } from 'node:stream';
import type { Sessions } from '../../../lib/db/sessions.js';
import type { QueryClient } from '../../../lib/db/client.js';
import { createLogger } from '../../../lib/log/index.js';
import type { Plan } from '../../../lib/plan/types.js';
import { planUploads } from '../../../lib/run/upload-plan.js';

const GiB = 1024 ** 3;

function plan(storage: Plan['storage'], databases: Array<string | null> = ['app', 'app', null]): Plan {
  return { storage, steps: databases.map((database) => ({ database })) } as unknown as Plan;
}

function fakeSessions(answer: () => Promise<string>) {
  const calls: Array<{ database: string; sql: string; params: unknown[] | undefined }> = [];
  const sessions = {
    use: async <T>(database: string, fn: (client: QueryClient) => Promise<T>) =>
      fn({
        query: async (sql: string, params?: unknown[]) => {
          calls.push({ database, sql, params });
          return { rows: [{ bytes: await answer() }] };
        },
        end: async () => undefined,
      } as QueryClient),
  } as unknown as Sessions;
  return { sessions, calls };
}

function quietLogger(lines: string[]) {
  return createLogger({
    level: 'normal',
    stderr: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }),
  });
}

const bucket = { kind: 's3' as const, bucket: 'acme', prefix: 'pg/', region: 'us-east-1' };

describe('planUploads', () => {
  it('sizes each bucket\'s parts from pg_database_size of the databases the steps dump, asked once', async () => {
    const { sessions, calls } = fakeSessions(async () => String(100 * GiB));
    const lines: string[] = [];
    const planned = await planUploads(plan([{ kind: 'local', dir: '/b' }, bucket, { ...bucket, maxParts: 1000 }]), sessions, 'postgres', quietLogger(lines));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ database: 'postgres', params: [['app']] });
    expect(planned.storage[0]).toEqual({ kind: 'local', dir: '/b' });
    expect(planned.storage[1]).toMatchObject({ upload: { partSize: 21 * 1024 ** 2, queueSize: 2, estimatedBytes: 100 * GiB } });
    expect(planned.storage[2]).toMatchObject({ upload: { partSize: 205 * 1024 ** 2, maxParts: 1000, queueSize: 1 } });
    expect(lines).toEqual([]);
  });

  it('asks nothing when no storage is a bucket', async () => {
    const { sessions, calls } = fakeSessions(async () => '1');
    const original = plan([{ kind: 'local', dir: '/b' }]);
    expect(await planUploads(original, sessions, 'postgres', quietLogger([]))).toBe(original);
    expect(calls).toEqual([]);
  });

  it('when the size cannot be read: a warning, and the default part size', async () => {
    const { sessions } = fakeSessions(async () => {
      throw new Error('permission denied for function pg_database_size');
    });
    const lines: string[] = [];
    const planned = await planUploads(plan([bucket]), sessions, 'postgres', quietLogger(lines));
    expect(planned.storage[0]).toMatchObject({ upload: { partSize: 8 * 1024 ** 2, queueSize: 2, estimatedBytes: null } });
    expect(lines.join('')).toContain('cannot read the size of the databases (permission denied for function pg_database_size)');
  });

  it('warns about a part size the profile fixed that cannot hold the estimate', async () => {
    const { sessions } = fakeSessions(async () => String(100 * GiB));
    const lines: string[] = [];
    await planUploads(plan([{ ...bucket, partSize: 5 * 1024 ** 2, maxParts: 1000 }]), sessions, 'postgres', quietLogger(lines));
    expect(lines.join('')).toContain('s3://acme/pg/: parts of 5.0 MiB × 1000 hold 4.9 GiB, less than the 100.0 GiB the databases take');
  });
});
