import type pg from 'pg';
import type { QueryClient } from '../../db/client.js';
import { describePgError } from '../../db/errors.js';
import { CopyOutStream } from './copy-out.js';
import { quoteIdent, quoteQualified } from '../../sql/quote.js';
import type { DumpSink } from './dump-sink.js';
import { isRowSecurityError, rowSecurityError } from './session-setup.js';
import type { TocEntry } from './toc.js';

/** What a TABLE DATA entry copies. */
export type CopySpec = NonNullable<TocEntry['copy']>;

/** `COPY "s"."t" ("a", "b") FROM stdin;` — the line that opens a data block. */
export function copyFromStatement(copy: CopySpec): string {
  return `COPY ${quoteQualified(copy.schema, copy.table)}${columnList(copy)} FROM stdin;\n`;
}

/** `COPY "s"."t" ("a", "b") TO STDOUT`: reads this table only (never its children), generated columns left out by the list. */
export function copyToStatement(copy: CopySpec): string {
  return `COPY ${quoteQualified(copy.schema, copy.table)}${columnList(copy)} TO STDOUT`;
}

/** The line that closes a data block (plus pg_dump's blank lines). */
export const copyEndMarker = '\\.\n\n\n';

// A table without columns (or with only generated ones) has no list: `()` is a syntax error.
function columnList(copy: CopySpec): string {
  return copy.columns.length === 0 ? '' : ` (${copy.columns.map(quoteIdent).join(', ')})`;
}

/**
 * Starts `COPY … TO STDOUT` for a table on `client` and returns the rows as a
 * stream (CopyOutStream: it pauses the socket when the reader stops reading,
 * so memory stays flat; its chunks are the socket's, not one per row).
 *
 * A stream destroyed before its end (interrupted, or a parallel worker failed)
 * closes `client`: the protocol cannot stop a COPY OUT midway, and the rows
 * left in the socket would make every later query on it (the ROLLBACK) wait
 * for ever.
 */
export function startCopyOut(client: QueryClient, copy: CopySpec): CopyOutStream {
  // QueryClient is pg.Client underneath; the structural type leaves out the streaming overload.
  const stream = (client as unknown as pg.Client).query(new CopyOutStream(copyToStatement(copy)));
  let failed = false;
  // Also keeps the "Connection terminated" the closed client reports to a destroyed stream from crashing the process.
  stream.on('error', () => {
    failed = true;
  });
  stream.on('close', () => {
    // After a server error the connection is healthy again (ReadyForQuery follows).
    if (!stream.readableEnded && !failed) client.end().catch(() => undefined);
  });
  return stream;
}

/**
 * Streams one table's rows into the sink, waiting whenever the output is full;
 * `signal` (besides the sink's own) stops it early. Resolves with the number of
 * rows copied (the server's `COPY n`).
 */
export async function streamTableRows(client: QueryClient, copy: CopySpec, sink: DumpSink, role: string, signal?: AbortSignal): Promise<number> {
  try {
    const rows = startCopyOut(client, copy);
    await sink.writeFrom(rows, signal);
    return await rows.completed;
  } catch (error) {
    throw describeCopyError(error, copy, role);
  }
}

/** A failed COPY as a PgbakError naming the table (RLS gets its own message). */
export function describeCopyError(error: unknown, copy: CopySpec, role: string): Error {
  if (isRowSecurityError(error)) return rowSecurityError([{ schema: copy.schema, table: copy.table }], role, error);
  if ((error as { code?: string }).code === undefined) return error as Error;
  return describePgError(error, `reading ${quoteQualified(copy.schema, copy.table)}: `);
}
