// Restores a native dump written in the split layout with pgbak's loader:
// pre-data on one connection in one transaction; then the tables' rows and the
// post-data items (indexes, constraints, triggers…) on `--jobs` connections, each
// item as soon as what it needs is done (see split-schedule.ts); then the grants
// and refreshes, in order, on one connection. With --jobs 1 every part runs in
// order on one connection, in one transaction, as the single-file dump does.
import type { ZipReader } from '../archive/index.js';
import { archiveInvalid } from '../archive/archive-invalid.js';
import type { Connection } from '../config/connection-types.js';
import { connect, type QueryClient } from '../db/client.js';
import { loadSql, type LoaderClient } from '../engines/native/index.js';
import { PgbakError } from '../errors.js';
import type { NativeLoaderFlags } from './native-loader-glue.js';
import type { ToolContext, ToolOutcome } from './run-tool.js';
import { checkedWhileLoading, PartCheck } from './split-part-check.js';
import { frozenCopy } from './split-freeze.js';
import { SplitSchedule, type ScheduleUnit } from './split-schedule.js';
import { splitSql } from '../sql/script/index.js';
import type { RestoreCommand, RestoreItem, SplitInputPart } from './types.js';

type SplitItem = RestoreItem & { input: Extract<RestoreItem['input'], { type: 'split' }> };

/** toc.json as the native engine writes it (engines/native/split/split-toc.ts). */
interface SplitToc {
  format: 1;
  postData: string;
  prelude: [number, number];
  items: { id: string; phase: 'post-data' | 'acl' | 'refresh'; range: [number, number]; needs: number[]; data: string[] | null; tables: string[]; exclusive: boolean }[];
  /** Data parts that load after others (data-only dumps: referenced tables first). */
  dataAfter?: Record<string, string[]>;
}

/** What `--dry-run` shows for a split dump. */
export function describeSplitLoad(item: RestoreItem, connection: Connection, flags: { jobs?: number | undefined } & NativeLoaderFlags): RestoreCommand {
  const jobs = flags.jobs ?? 1;
  return {
    argv: [],
    env: {},
    stdin: item.input.type === 'split' ? `${item.input.prefix}* (split layout)` : null,
    loader: {
      name: 'pgbak native loader',
      database: item.target,
      server: `${connection.user}@${connection.host}:${connection.port}`,
      singleTransaction: jobs === 1 && !flags.noSingleTransaction,
      stopOnError: true,
      jobs,
    },
  };
}

/** One unit of work on a connection: a part, or an item of post-data.sql. */
interface Work {
  /** How messages name it: `table "public"."orders" (full/app/data/0001.sql)`. */
  what: string;
  source: () => Promise<AsyncIterable<Uint8Array | string>>;
  /** Run in its own transaction (a table's rows, a post-data item); false: the part's own BEGIN/COMMIT hold. */
  transaction: boolean;
  /** A table's rows, checked against the manifest while they load (see split-part-check.ts). */
  check?: PartCheck;
  /** A table this restore created: its rows are copied FREEZE into it, emptied in the same transaction (split-freeze.ts). */
  freeze?: boolean;
}

/**
 * Restores a split native dump into `item.target`. A failing part or item stops
 * everything: the running ones are cancelled, every connection is closed, and
 * the error names what failed. Interrupting (ctx.signal) stops all of them too.
 */
export async function restoreSplit(item: RestoreItem, reader: ZipReader, connection: Connection, flags: { jobs?: number | undefined } & NativeLoaderFlags, ctx: ToolContext): Promise<ToolOutcome> {
  if (item.input.type !== 'split') throw new Error('unreachable: not a split dump');
  const split = item as SplitItem;
  const label = `${item.step} (${item.database}) -> ${item.target}`;
  const jobs = Math.max(1, flags.jobs ?? 1);
  const parts = split.input.parts;
  const named = (role: SplitInputPart['role']) => parts.filter((p) => p.role === role);
  const tocPart = named('toc')[0];
  const postPart = named('post-data')[0];
  const prePart = named('pre-data')[0];
  if (!tocPart || !postPart || !prePart) throw archiveInvalid(reader.path, `${split.input.prefix}: a split dump without its ${!tocPart ? 'toc.json' : !postPart ? 'post-data.sql' : 'pre-data.sql'}`);
  const toc = parseToc(await reader.readText(tocPart.name), tocPart.name, reader.path);
  // DDL only (indexes, constraints, grants): small next to the data, read whole so its items can be sliced.
  const postData = Buffer.from(await reader.readText(postPart.name, { maxBytes: 1024 * 1024 * 1024 }), 'utf8');
  const slice = (range: [number, number]) => postData.subarray(range[0], range[1]).toString('utf8');
  const prelude = slice(toc.prelude);
  const stream = (name: string) => async () => (await reader.openStream(name)) as AsyncIterable<Uint8Array>;
  const text = (sql: string) => async () => once(sql);
  const dataParts = named('data');
  const settings = await statementsOf(prelude);
  // The pre-data part creates the tables, but for a data-only dump (tables that were there before).
  const createdHere = item.kind !== undefined && item.kind !== 'data-only';
  const dataWork = (part: SplitInputPart): Work => {
    if (part.table === undefined || !checkedWhileLoading(part)) {
      // Large object contents come in their own transactions, one per object (a single one could exhaust the lock table).
      return { what: `sequence values and large objects (${part.name})`, source: stream(part.name), transaction: false };
    }
    const check = new PartCheck(reader, { name: part.name, sha256: part.sha256, bytes: part.bytes }, part.table, settings);
    return { what: `table ${part.table} (${part.name})`, source: () => check.open(), transaction: true, check, freeze: createdHere };
  };
  const itemWork = (i: number): Work => ({ what: `${toc.items[i]!.id} (${postPart.name})`, source: text(slice(toc.items[i]!.range)), transaction: true });
  const lastItems = toc.items.map((_, i) => i).filter((i) => toc.items[i]!.phase !== 'post-data');
  const lines: string[] = [];
  const pool = new Pool(connection, item.target, lines);
  const stop = new AbortController();
  const onAbort = () => stop.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal.aborted) onAbort();
  try {
    // In file order: what --jobs 1 runs, and what the top-level script \ir's.
    const ordered: Work[] = [
      { what: prePart.name, source: stream(prePart.name), transaction: true },
      ...dataParts.map(dataWork),
      ...toc.items.map((_, i) => itemWork(i)),
    ];
    const partly = `"${item.target}" is partly restored (a parallel restore commits each table and item on its own): drop it, fix the cause and restore again`;
    const run = async (client: QueryClient, work: Work, transaction: 'own' | 'outer' | 'none') => {
      if (stop.signal.aborted) throw interrupted(label);
      ctx.logger.verbose(`${label}: loading ${work.what}`);
      try {
        await loadSql({
          client: client as unknown as LoaderClient,
          source: await work.source(),
          singleTransaction: transaction === 'own',
          outerTransaction: transaction === 'outer',
          stopOnError: true,
          signal: stop.signal,
          ...(work.check ? { onStatement: work.check.onStatement } : {}),
          // Not without a transaction: TRUNCATE and COPY FREEZE must share one.
          ...(work.freeze && transaction !== 'none' ? { prepareCopy: frozenCopy(client) } : {}),
        });
      } catch (caught) {
        if (stop.signal.aborted && ctx.signal.aborted) throw interrupted(label);
        // A table's part that failed before it matched: altered, or a real failure? (Not when stopped by another's failure.)
        const error = work.check && !stop.signal.aborted ? await work.check.verdict(caught) : caught;
        if (work.check && error instanceof PgbakError && (error.code === 'ARCHIVE_TAMPERED' || error.code === 'ARCHIVE_INVALID')) {
          const atomic = transaction === 'outer';
          const outcome = atomic ? 'rolled back, nothing was restored' : 'nothing of that table was committed';
          const hint = atomic ? (error.hint ?? 'use another backup') : `use another backup, and drop "${item.target}": it holds what loaded before (the schema, tables whose entries matched)`;
          throw new PgbakError(error.code, `${label}: ${error.message}; ${outcome}`, { hint, cause: error });
        }
        if (error instanceof PgbakError && error.code !== 'INTERRUPTED') {
          const hint = jobs > 1 && transaction !== 'outer' && work !== ordered[0] ? partly : error.hint;
          throw new PgbakError(error.code, `${label}: pgbak's native loader stopped at ${work.what}: ${error.message}`, { ...(hint ? { hint } : {}), cause: error });
        }
        throw error;
      }
    };
    if (jobs === 1) {
      const client = await pool.take(prelude);
      const atomic = !flags.noSingleTransaction;
      if (atomic) await client.query('BEGIN');
      for (const work of ordered) await run(client, work, atomic ? 'outer' : work.transaction ? 'own' : 'none');
      if (atomic) await client.query('COMMIT');
      pool.give(client);
    } else {
      const pre = await pool.take(prelude);
      await run(pre, ordered[0]!, flags.noSingleTransaction ? 'none' : 'own');
      pool.give(pre);
      const byKey = new Map(dataParts.map((p) => [`data:${p.name}`, p]));
      await runParallel(jobs, units(toc, dataParts), (key) => (key.startsWith('data:') ? dataWork(byKey.get(key)!) : itemWork(Number(key.slice('item:'.length)))), pool, prelude, run, stop, ctx);
      const last = await pool.take(prelude);
      await run(last, { what: 'grants and refreshes', source: text(lastItems.map((i) => slice(toc.items[i]!.range)).join('')), transaction: true }, 'own');
      pool.give(last);
    }
    ctx.logger.verbose(`${label}: ${dataParts.length} data parts and ${toc.items.length} post-data items loaded on ${Math.min(jobs, pool.opened)} connection${pool.opened === 1 ? '' : 's'}`);
    return { stderr: lines, errors: 0, stdout: '' };
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await pool.close();
  }
}

// The schedule's units: every data part, and the post-data items (grants and refreshes run after them).
function units(toc: SplitToc, dataParts: readonly SplitInputPart[]): ScheduleUnit[] {
  const bytes = new Map(dataParts.map((p) => [p.name.slice(p.name.lastIndexOf('/data/') + 1), p.bytes]));
  const byRelative = new Map(dataParts.map((p) => [p.name.slice(p.name.lastIndexOf('/data/') + 1), p]));
  const dataKey = (relative: string) => {
    const part = byRelative.get(relative);
    if (!part) throw new Error(`toc.json names ${relative}, which is not in the dump`);
    return `data:${part.name}`;
  };
  const all = dataParts.map((p) => `data:${p.name}`);
  // A data-only dump orders tables for foreign keys in force (dataAfter); other data parts need nothing.
  const relative = (p: SplitInputPart) => p.name.slice(p.name.lastIndexOf('/data/') + 1);
  const out: ScheduleUnit[] = dataParts.map((p) => ({ key: `data:${p.name}`, needs: (toc.dataAfter?.[relative(p)] ?? []).map(dataKey), weight: p.bytes, tables: [], exclusive: false }));
  toc.items.forEach((item, i) => {
    if (item.phase !== 'post-data') return;
    out.push({
      key: `item:${i}`,
      needs: [...item.needs.map((n) => `item:${n}`), ...(item.data === null ? all : item.data.map(dataKey))],
      weight: (item.data ?? []).reduce((sum, name) => sum + (bytes.get(name) ?? 0), 0),
      tables: item.tables,
      exclusive: item.exclusive,
    });
  });
  return out;
}

async function runParallel(
  jobs: number,
  list: ScheduleUnit[],
  workOf: (key: string) => Work,
  pool: Pool,
  prelude: string,
  run: (client: QueryClient, work: Work, transaction: 'own' | 'none') => Promise<void>,
  stop: AbortController,
  ctx: ToolContext,
): Promise<void> {
  const schedule = new SplitSchedule(list);
  const running = new Set<Promise<void>>();
  let failure: unknown;
  const start = (unit: ScheduleUnit) => {
    const task = (async () => {
      let client: QueryClient | undefined;
      try {
        client = await pool.take(prelude);
        const work = workOf(unit.key);
        await run(client, work, work.transaction ? 'own' : 'none');
        pool.give(client);
        schedule.done(unit.key);
      } catch (error) {
        // A connection that failed or was stopped mid-statement is closed, not reused.
        if (client) pool.discard(client);
        if (failure === undefined) {
          failure = error;
          stop.abort(error);
        }
      }
    })();
    running.add(task);
    void task.finally(() => running.delete(task));
  };
  while (failure === undefined && !schedule.finished) {
    if (stop.signal.aborted) break;
    for (let unit = running.size < jobs ? schedule.next() : undefined; unit; unit = running.size < jobs ? schedule.next() : undefined) start(unit);
    if (running.size === 0) {
      if (schedule.stuck) throw new PgbakError('INTERNAL', 'the split dump\'s items depend on each other in a loop: nothing can start');
      break;
    }
    await Promise.race(running);
  }
  await Promise.allSettled([...running]);
  if (failure !== undefined) throw failure;
  if (ctx.signal.aborted) throw new PgbakError('INTERRUPTED', 'restore interrupted');
}

/** Connections to the target, reused between units; every one is closed at the end. */
class Pool {
  readonly #idle: QueryClient[] = [];
  readonly #all = new Set<QueryClient>();
  opened = 0;

  constructor(
    readonly connection: Connection,
    readonly database: string,
    readonly lines: string[],
  ) {}

  /** An idle connection, or a new one with the dump's session settings. */
  async take(prelude: string): Promise<QueryClient> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    const client = await connect(this.connection, this.database);
    this.#all.add(client);
    this.opened++;
    // pg_dump's scripts set client_min_messages = warning: what psql would print to stderr.
    (client as unknown as NodeJS.EventEmitter).on('notice', (notice: { severity?: string; message?: string }) => {
      this.lines.push(`${notice.severity ?? 'NOTICE'}:  ${notice.message ?? ''}`);
    });
    await loadSql({ client: client as unknown as LoaderClient, source: once(prelude), singleTransaction: false });
    return client;
  }

  give(client: QueryClient): void {
    this.#idle.push(client);
  }

  discard(client: QueryClient): void {
    this.#all.delete(client);
    void client.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.allSettled(all.map((client) => client.end()));
  }
}

/** The statements of a script (the session settings every part starts with), as the loader reports them. */
async function statementsOf(sql: string): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const item of splitSql(once(sql))) if (item.type === 'statement') out.add(item.sql);
  return out;
}

async function* once(text: string): AsyncIterable<string> {
  yield text;
}

function interrupted(label: string): PgbakError {
  return new PgbakError('INTERRUPTED', `${label}: interrupted; the parallel restore was stopped and its connections closed`);
}

function parseToc(text: string, name: string, archive: string): SplitToc {
  let toc: SplitToc;
  try {
    toc = JSON.parse(text) as SplitToc;
  } catch (error) {
    throw archiveInvalid(archive, `${name} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (toc?.format !== 1 || !Array.isArray(toc.items) || !Array.isArray(toc.prelude)) {
    throw archiveInvalid(archive, `${name}: not a split dump's table of contents this pgbak reads (format ${String(toc?.format)})`, { hint: 'use a newer pgbak to restore it' });
  }
  return toc;
}
