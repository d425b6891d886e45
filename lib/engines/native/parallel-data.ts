import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { QueryClient } from '../../db/client.js';
import type { PgbakLogger } from '../../log/index.js';
import { describeCopyError, startCopyOut, type CopySpec } from './copy-data.js';
import { abortError } from './dump-sink.js';
import { beginDumpTransaction, lockTableNowait, type SessionOptions } from './session-setup.js';

/** One table for the workers: the TABLE DATA entry's id and what it copies. */
export interface ParallelTable {
  id: string;
  copy: CopySpec;
}

export interface ParallelDataOptions {
  /** Opens one worker connection to the dumped database. */
  connect: () => Promise<QueryClient>;
  /** The leader's exported snapshot: every worker reads exactly what the leader sees. */
  snapshotId: string;
  jobs: number;
  tables: readonly ParallelTable[];
  /** Where the private temp dir goes (the output's folder keeps big dumps off a small /tmp). */
  scratchDir?: string;
  role: string;
  session?: SessionOptions;
  signal?: AbortSignal;
  logger?: PgbakLogger;
}

/** Files the workers have written, handed out in whatever order the writer asks for them. */
export interface FetchedTableData {
  /** Resolves with the file holding the table's COPY rows once a worker has written it. */
  file(id: string): Promise<string>;
  /** Deletes a file once written into the dump, so disk use shrinks as the dump grows. */
  release(id: string): Promise<void>;
}

interface Slot {
  promise: Promise<string>;
  resolve(file: string): void;
  reject(error: unknown): void;
  file: string;
}

/**
 * Streams tables in parallel, largest first, each worker connection in the
 * leader's snapshot (REPEATABLE READ, READ ONLY, SET TRANSACTION SNAPSHOT), each
 * table into its own file in a private (0700) temp dir, while `fn` writes them
 * into the dump in its own stable order — so the output is byte-identical to a
 * jobs=1 dump. The first failure stops every worker; the temp dir and the
 * connections are always removed.
 */
export async function withParallelTableData<T>(options: ParallelDataOptions, fn: (data: FetchedTableData) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(options.scratchDir ?? tmpdir(), '.pgbak-native-'));
  const stop = new AbortController();
  const slots = new Map<string, Slot>();
  options.tables.forEach((table, index) => slots.set(table.id, createSlot(join(dir, `${index}.copy`))));
  let failure: unknown;
  const fail = (error: unknown) => {
    if (failure !== undefined) return;
    failure = error;
    stop.abort(error);
    for (const slot of slots.values()) slot.reject(error);
  };
  const onAbort = () => fail(abortError());
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  // Largest first keeps one huge table from starting last; ties in entry order.
  const queue = options.tables
    .map((table, index) => ({ table, index }))
    .sort((a, b) => b.table.copy.estimatedBytes - a.table.copy.estimatedBytes || a.index - b.index)
    .map(({ table }) => table);
  const workerCount = Math.max(1, Math.min(options.jobs, queue.length));
  const workers = Array.from({ length: queue.length === 0 ? 0 : workerCount }, (_, n) =>
    runWorker(n, queue, slots, options, stop.signal).catch(fail),
  );
  try {
    return await fn({
      file: (id) => {
        const slot = slots.get(id);
        return slot ? slot.promise : Promise.reject(new Error(`no parallel data for ${id}`));
      },
      release: async (id) => {
        const slot = slots.get(id);
        if (slot) await rm(slot.file, { force: true });
      },
    });
  } catch (error) {
    fail(error);
    throw error;
  } finally {
    // The writer is done (or failed): workers still running have nothing left to do.
    if (failure === undefined) fail(new Error('parallel data no longer needed'));
    await Promise.allSettled(workers);
    options.signal?.removeEventListener('abort', onAbort);
    await rm(dir, { recursive: true, force: true });
  }
}

async function runWorker(n: number, queue: ParallelTable[], slots: Map<string, Slot>, options: ParallelDataOptions, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  const client = await options.connect();
  let clean = false;
  try {
    await beginDumpTransaction(client, options.snapshotId, options.session ?? {});
    for (let table = queue.shift(); table && !signal.aborted; table = queue.shift()) {
      const slot = slots.get(table.id)!;
      options.logger?.verbose(`native dump worker ${n + 1}: reading ${table.id}`);
      try {
        await lockTableNowait(client, table.copy);
        await pipeline(startCopyOut(client, table.copy), createWriteStream(slot.file, { mode: 0o600 }), { signal });
      } catch (error) {
        throw signal.aborted ? signal.reason : describeCopyError(error, table.copy, options.role);
      }
      slot.resolve(slot.file);
    }
    clean = !signal.aborted;
  } finally {
    // A worker stopped mid-COPY has a connection in an unknown state: just close it.
    if (clean) await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

function createSlot(file: string): Slot {
  let resolve!: (file: string) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Failures reach the writer through file(); an unawaited slot must not crash the process.
  promise.catch(() => undefined);
  return { promise, resolve, reject, file };
}
