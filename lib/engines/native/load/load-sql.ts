import { pipeline } from 'node:stream/promises';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import { PgbakError } from '../../../errors.js';
import { classifyTransactionControl, settingValue, splitSql, SqlScriptError, type SplitStats, type SqlItem } from '../../../sql/script/index.js';
import { describeFailure } from './describe-failure.js';

/** The part of a `pg` client the loader uses: text queries and COPY streams. */
export interface LoaderClient {
  query(sql: string): Promise<unknown>;
  query<S extends CopyStreamQuery>(copy: S): S;
  end(): Promise<void>;
}

/** Reported before each statement or COPY block runs. */
export interface LoadEvent {
  type: SqlItem['type'];
  line: number;
  sql: string;
  /** A BEGIN or COMMIT of the script, left out because the whole script is one transaction. */
  skipped: boolean;
}

export interface LoadSqlOptions {
  /** A connection to the target database, used by this load alone (session settings stick to it). */
  client: LoaderClient;
  /** The script, as bytes (UTF-8) or strings. Read to its end, or destroyed when the load stops. */
  source: AsyncIterable<Uint8Array | string>;
  /** Wrap the script in BEGIN … COMMIT (ROLLBACK on error or abort), as `psql --single-transaction`. */
  singleTransaction: boolean;
  /**
   * The caller has opened a transaction around this load (several scripts in one
   * transaction): the script's own BEGIN/COMMIT are left out as with `singleTransaction`,
   * but none is opened, committed or rolled back here. Not with `singleTransaction`.
   */
  outerTransaction?: boolean;
  /**
   * Stop at the first error, as `psql -v ON_ERROR_STOP=1` (default). With false,
   * errors are collected and the script goes on (a globals script, where "role
   * already exists" is expected); not with `singleTransaction`.
   */
  stopOnError?: boolean;
  onStatement?: (event: LoadEvent) => void;
  /**
   * Runs before each `COPY … FROM stdin` (after onStatement), on the same client and in
   * the load's transaction; what it returns is the COPY statement run instead (a caller
   * may add options the script does not hold, such as FREEZE).
   */
  prepareCopy?: (sql: string) => Promise<string>;
  /** With `stopOnError: false`: each error as it happens. */
  onError?: (error: PgbakError) => void;
  /** Aborting cancels the running statement (see `cancel`) and rolls back. */
  signal?: AbortSignal;
  /**
   * Cancels the statement running on `client`, e.g. `pg_cancel_backend(pid)` from
   * another connection. Default: end the client (the server then rolls back).
   */
  cancel?: () => Promise<void>;
  /** Filled with what the splitter read and held. */
  stats?: SplitStats;
}

/** What a load did. */
export interface LoadSqlResult {
  /** Statements run (COPY blocks not included). */
  statements: number;
  copies: number;
  /** Rows loaded by the COPY blocks. */
  rows: number;
  /** Transaction control of the script left out under `singleTransaction`. */
  skipped: number;
  /** With `stopOnError: false`: the statements that failed. */
  errors: PgbakError[];
  stats: SplitStats;
}

/**
 * Runs a SQL script (a plain pg_dump or a native pgbak dump) through the driver:
 * statements one by one, `COPY … FROM stdin` blocks streamed into COPY with
 * backpressure. Stops at the first error with the script's line, the server's
 * error and the statement; in one transaction when asked, so that a failed or
 * interrupted load leaves nothing behind.
 * @throws PgbakError STEP_FAILED (the script or a statement failed), INTERRUPTED.
 */
export async function loadSql(options: LoadSqlOptions): Promise<LoadSqlResult> {
  const { client, singleTransaction } = options;
  const outer = options.outerTransaction === true;
  const stopOnError = options.stopOnError ?? true;
  if ((singleTransaction || outer) && !stopOnError) throw new PgbakError('INTERNAL', 'loadSql: a single transaction cannot go on after an error');
  if (singleTransaction && outer) throw new PgbakError('INTERNAL', 'loadSql: a transaction is opened either here or by the caller');
  const signal = options.signal ?? new AbortController().signal;
  const stats = options.stats ?? { bytesRead: 0, maxBufferedBytes: 0 };
  const result: LoadSqlResult = { statements: 0, copies: 0, rows: 0, skipped: 0, errors: [], stats };
  const outcome = singleTransaction || outer ? 'nothing was restored: the script runs in one transaction, rolled back' : 'the statements before it stay committed';

  let running = false;
  let copying: CopyStreamQuery | null = null;
  const cancel = options.cancel ?? (() => client.end());
  const onAbort = () => {
    // A COPY is stopped from this side (CopyFail): a server waiting for data that
    // does not come would only see a cancel request when the next row arrives.
    if (copying) copying.destroy(new Error('interrupted'));
    else if (running) void cancel().catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort);
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    running = true;
    try {
      return await work();
    } finally {
      running = false;
    }
  };

  let open = false;
  let line = 1;
  try {
    if (signal.aborted) throw interrupted(line, singleTransaction);
    if (singleTransaction) {
      await run(() => client.query('BEGIN'));
      open = true;
    }
    for await (const item of splitSql(options.source, { stats })) {
      line = item.line;
      if (signal.aborted) throw interrupted(line, singleTransaction || outer);
      try {
        if (item.type === 'copy') {
          options.onStatement?.({ type: 'copy', line: item.line, sql: item.sql, skipped: false });
          const prepare = options.prepareCopy;
          const sql = prepare ? await run(() => prepare(item.sql)) : item.sql;
          const copy = client.query(copyFrom(sql));
          copying = copy;
          try {
            await run(() => pipeline(item.data, copy));
          } finally {
            copying = null;
          }
          result.rows += copy.rowCount;
          result.copies++;
          continue;
        }
        const control = classifyTransactionControl(item.sql);
        if (control !== null && (singleTransaction || outer)) {
          if (control === 'rollback') {
            throw new SqlScriptError(item.line, 'the script rolls back its own transaction, which cannot be honoured inside one transaction', 'restore with --no-single-transaction');
          }
          options.onStatement?.({ type: 'statement', line: item.line, sql: item.sql, skipped: true });
          result.skipped++;
          continue;
        }
        checkEncoding(item.sql, item.line);
        options.onStatement?.({ type: 'statement', line: item.line, sql: item.sql, skipped: false });
        await run(() => client.query(item.sql));
        result.statements++;
      } catch (error) {
        if (signal.aborted) throw interrupted(line, singleTransaction || outer);
        const failure = describeFailure(item, error, outcome);
        if (stopOnError) throw failure;
        result.errors.push(failure);
        options.onError?.(failure);
      }
    }
    if (signal.aborted) throw interrupted(line, singleTransaction || outer);
    if (singleTransaction) {
      await run(() => client.query('COMMIT'));
      open = false;
    }
    return result;
  } catch (error) {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    if (signal.aborted && !(error instanceof PgbakError && error.code === 'INTERRUPTED')) throw interrupted(line, singleTransaction || outer);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

// The driver talks UTF-8 to the server: a script in another encoding would be
// read wrongly, byte for byte, without an error.
function checkEncoding(sql: string, line: number): void {
  const encoding = settingValue(sql, 'client_encoding');
  if (encoding !== null && !/^(utf-?8|unicode)$/i.test(encoding)) {
    throw new SqlScriptError(line, `the script is written in ${encoding}; pgbak's loader reads UTF8 scripts only`);
  }
}

function interrupted(line: number, singleTransaction: boolean): PgbakError {
  return new PgbakError('INTERRUPTED', `interrupted at line ${line}; ${singleTransaction ? 'rolled back, nothing was restored' : 'the statements before it stay committed'}`);
}
