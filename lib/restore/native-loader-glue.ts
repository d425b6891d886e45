import type { ZipReader } from '../archive/index.js';
import type { Connection } from '../config/connection-types.js';
import { connect, withClient } from '../db/client.js';
import { loadSql, SqlScriptError, type LoaderClient } from '../engines/native/index.js';
import { PgbakError } from '../errors.js';
import { gunzipped } from './check-scripts.js';
import type { ToolInfo } from '../tools/index.js';
import type { ToolContext, ToolOutcome } from './run-tool.js';
import type { RestoreCommand, RestoreItem, RestoreLoader } from './types.js';

/** The flags the native loader reads besides the target. */
export interface NativeLoaderFlags {
  noSingleTransaction?: boolean | undefined;
  loader?: RestoreLoader | undefined;
}

/**
 * Stands in for psql in the tool map when pgbak runs a plain SQL entry itself
 * (psql missing, too old, or `--loader native`); compared by identity.
 */
export const NATIVE_LOADER: ToolInfo = Object.freeze({
  name: 'psql',
  path: "pgbak's native loader",
  version: Object.freeze({ major: 0, minor: 0, text: "(not used: pgbak's native loader runs the script)" }),
  origin: 'install-dir',
}) as ToolInfo;

/** Whether `item` is run by the native loader rather than by `tool`. */
export function usesNativeLoader(item: RestoreItem, tool: ToolInfo, flags: NativeLoaderFlags): boolean {
  return item.format === 'plain' && item.input.type === 'entry' && (tool === NATIVE_LOADER || flags.loader === 'native');
}

/** What `--dry-run` shows for an entry the native loader runs. */
export function describeNativeLoad(item: RestoreItem, connection: Connection, flags: NativeLoaderFlags): RestoreCommand {
  const input = item.input.type === 'entry' ? `${item.input.name}${item.input.gunzip ? ' (gunzipped)' : ''}` : null;
  const strict = item.database !== null;
  return {
    argv: [],
    env: {},
    stdin: input,
    loader: {
      name: 'pgbak native loader',
      database: item.target,
      server: `${connection.user}@${connection.host}:${connection.port}`,
      singleTransaction: strict && !flags.noSingleTransaction,
      stopOnError: strict,
    },
  };
}

/**
 * Restores a plain SQL entry through the driver, streamed from the zip: as
 * `psql -v ON_ERROR_STOP=1 --single-transaction` would for a database (one
 * transaction unless --no-single-transaction), and like psql without
 * ON_ERROR_STOP for the globals (errors counted, the rest goes on).
 */
export async function restoreWithNativeLoader(
  item: RestoreItem,
  reader: ZipReader,
  connection: Connection,
  flags: NativeLoaderFlags,
  ctx: ToolContext,
): Promise<ToolOutcome> {
  if (item.input.type !== 'entry') throw new Error('unreachable: the native loader reads one entry');
  const label = `${item.step}${item.database === null ? '' : ` (${item.database})`} -> ${item.target}`;
  const strict = item.database !== null;
  const entryName = item.input.name;
  const client = await connect(connection, item.target);
  const lines: string[] = [];
  // pg_dump's scripts set client_min_messages = warning: what psql would print to stderr.
  (client as unknown as NodeJS.EventEmitter).on('notice', (notice: { severity?: string; message?: string }) => {
    lines.push(`${notice.severity ?? 'NOTICE'}:  ${notice.message ?? ''}`);
  });
  const pid = (client as unknown as { processID?: number }).processID;
  const entry = await reader.openStream(entryName);
  const source = item.input.gunzip ? gunzipped(entry) : entry;
  try {
    ctx.logger.verbose(`${label}: running ${entryName} with pgbak's native loader`);
    const result = await loadSql({
      client: client as unknown as LoaderClient,
      source,
      singleTransaction: strict && !flags.noSingleTransaction,
      stopOnError: strict,
      signal: ctx.signal,
      // A second connection cancels the running statement; ending the client would not stop it.
      ...(pid ? { cancel: () => withClient(connection, item.target, async (other) => void (await other.query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]))) } : {}),
      onError: (error) => ctx.logger.verbose(`${label}: ${error.message}`),
    });
    ctx.logger.verbose(`${label}: ${result.statements} statements and ${result.copies} COPY blocks (${result.rows} rows) loaded`);
    for (const error of result.errors) lines.push(psqlStyle(entryName, error));
    return { stderr: lines, errors: result.errors.length, stdout: '' };
  } catch (error) {
    if (error instanceof PgbakError && error.code === 'INTERRUPTED') {
      throw new PgbakError('INTERRUPTED', `${label}: interrupted; pgbak's native loader was stopped (${error.message})`, { cause: error });
    }
    if (error instanceof PgbakError) {
      ctx.logger.record('error', `${label}: ${entryName} ${error.message}`);
      throw new PgbakError(error.code, `${label}: pgbak's native loader stopped at ${entryName} ${error.message}`, { ...(error.hint ? { hint: error.hint } : {}), cause: error });
    }
    throw error;
  } finally {
    source.destroy();
    entry.destroy();
    await client.end().catch(() => undefined);
  }
}


// How psql reports an error it goes on after, so that the globals summary reads the same.
function psqlStyle(entryName: string, error: PgbakError): string {
  const cause = error.cause as { severity?: string; message?: string } | undefined;
  const line = error instanceof SqlScriptError ? error.line : 0;
  return `pgbak:${entryName}:${line}: ${cause?.severity ?? 'ERROR'}:  ${cause?.message ?? error.message}`;
}
