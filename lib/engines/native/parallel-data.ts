import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { outputNotWritable } from '../../archive/index.js';
import { pipeline } from 'node:stream/promises';
import type { QueryClient } from '../../db/client.js';
import type { PgbakLogger } from '../../log/index.js';
import { describeCopyError, startCopyOut, type CopySpec } from './copy-data.js';
import { abortError } from './dump-sink.js';
import { claimTable, createSchedule, nextWorkerTable, type ParallelTable } from './parallel-schedule.js';
import { createOwnedTempDir } from '../../process/owner.js';
import { beginDumpTransaction, lockTableNowait, type SessionOptions } from './session-setup.js';

export type { ParallelTable } from './parallel-schedule.js';

export interface ParallelDataOptions {
  /** Opens one worker connection to the dumped database. */
  connect: () => Promise<QueryClient>;
  /** The leader's exported snapshot: every worker reads exactly what the leader sees. */
  snapshotId: string;
  /** Tables read at once: the leader's connection plus `jobs - 1` workers. */
  jobs: number;
  /** The TABLE DATA entries in the order the writer writes them. */
  tables: readonly ParallelTable[];
  /** Where the private temp dir goes (the output's folder keeps big dumps off a small /tmp). */
  scratchDir?: string;
  role: string;
  session?: SessionOptions;
  signal?: AbortSignal;
  logger?: PgbakLogger;
}

/** What the writer asks for each table, in its own order. */
export interface FetchedTableData {
  /**
   * Claims the table the writer is at: null when no worker has taken it (the
   * writer streams it from the leader's connection, as with jobs 1), else the
   * worker's file once it is complete, with the rows its COPY returned.
   */
  claim(id: string): Promise<FetchedTable | null>;
  /** Deletes a file once written into the dump, so disk use shrinks as the dump grows. */
  release(id: string): Promise<void>;
  /** Aborted when a worker fails or the dump is interrupted: stops the writer's own COPY too. */
  readonly signal: AbortSignal;
}

/** A table a worker read: its file and the rows in it (the server's `COPY n`). */
export interface FetchedTable {
  file: string;
  rows: number;
}

interface Slot {
  promise: Promise<FetchedTable>;
  resolve(table: FetchedTable): void;
  reject(error: unknown): void;
  file: string;
}

// Workers write their files in big pieces: fewer system calls, same memory bound.
const fileWriteBytes = 256 * 1024;

/**
 * Reads tables in parallel, every worker connection in the leader's snapshot
 * (REPEATABLE READ, READ ONLY, SET TRANSACTION SNAPSHOT). The writer streams the
 * table it is at straight from the leader's connection; the workers meanwhile
 * take the other tables, largest first, each into its own file in a private
 * (0700) temp dir, which the writer copies in when it gets there — so the output
 * is byte-identical to a jobs=1 dump, and only the tables read ahead touch the
 * disk. The first failure stops every worker and the writer; the temp dir and
 * the connections are always removed.
 */
export async function withParallelTableData<T>(options: ParallelDataOptions, fn: (data: FetchedTableData) => Promise<T>): Promise<T> {
  const dir = await createOwnedTempDir(options.scratchDir ?? tmpdir(), '.pgbak-native-');
  const stop = new AbortController();
  const slots = new Map<string, Slot>();
  options.tables.forEach((table, index) => slots.set(table.id, createSlot(join(dir, `${index}.copy`))));
  const schedule = createSchedule(options.tables);
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

  // The leader reads the writer's next table itself: one worker fewer than jobs.
  const workerCount = Math.max(0, Math.min(options.jobs - 1, options.tables.length - 1));
  const workers = Array.from({ length: workerCount }, (_, n) => runWorker(n, schedule, slots, options, stop.signal).catch(fail));
  try {
    return await fn({
      claim: async (id) => {
        const slot = slots.get(id);
        if (!slot) throw new Error(`no parallel data for ${id}`);
        if (failure !== undefined) throw failure;
        return claimTable(schedule, id) === 'writer' ? null : slot.promise;
      },
      release: async (id) => {
        const slot = slots.get(id);
        if (slot) await rm(slot.file, { force: true });
      },
      signal: stop.signal,
    });
  } catch (error) {
    fail(error);
    // The first failure is the cause: a worker's error that stopped the writer, or the writer's own.
    throw failure;
  } finally {
    // The writer is done (or failed): workers still running have nothing left to do.
    if (failure === undefined) fail(new Error('parallel data no longer needed'));
    await Promise.allSettled(workers);
    options.signal?.removeEventListener('abort', onAbort);
    await rm(dir, { recursive: true, force: true });
  }
}

async function runWorker(
  n: number,
  schedule: ReturnType<typeof createSchedule>,
  slots: Map<string, Slot>,
  options: ParallelDataOptions,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  const client = await options.connect();
  let clean = false;
  try {
    await beginDumpTransaction(client, options.snapshotId, options.session ?? {});
    for (let table = nextWorkerTable(schedule); table && !signal.aborted; table = nextWorkerTable(schedule)) {
      const slot = slots.get(table.id)!;
      options.logger?.verbose(`native dump worker ${n + 1}: reading ${table.id}`);
      const rows = await fetchTable(client, table.copy, slot.file, options.role, signal);
      slot.resolve({ file: slot.file, rows });
    }
    clean = !signal.aborted;
  } finally {
    // A worker stopped mid-COPY has a connection in an unknown state: just close it.
    if (clean) await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

async function fetchTable(client: QueryClient, copy: CopySpec, file: string, role: string, signal: AbortSignal): Promise<number> {
  try {
    await lockTableNowait(client, copy);
    const rows = startCopyOut(client, copy);
    await pipeline(rows, createWriteStream(file, { flags: 'wx', mode: 0o600, highWaterMark: fileWriteBytes }), { signal });
    return await rows.completed;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    // The scratch file could not be written (disk full): that is the output's failure, not the table's.
    if (isDiskError(error)) throw outputNotWritable(dirname(file), error);
    throw describeCopyError(error, copy, role);
  }
}

function isDiskError(error: unknown): boolean {
  return ['ENOSPC', 'EDQUOT', 'EROFS', 'EIO'].includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

function createSlot(file: string): Slot {
  let resolve!: (table: FetchedTable) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<FetchedTable>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Failures reach the writer through claim(); an unawaited slot must not crash the process.
  promise.catch(() => undefined);
  return { promise, resolve, reject, file };
}
