import { createReadStream } from 'node:fs';
import type { QueryClient } from '../../db/client.js';
import { displayName } from '../../sql/quote.js';
import type { PgbakLogger } from '../../log/index.js';
import { copyEndMarker, copyFromStatement, streamTableRows } from './copy-data.js';
import { throwIfAborted, type DumpSink } from './dump-sink.js';
import { dumpCompleteFooter, renderEntryComment, renderHeader, type HeaderInfo } from './header.js';
import { writeLargeObjectData } from './large-object-data.js';
import { phaseOf, phases } from './order.js';
import type { FetchedTableData } from './parallel-data.js';
import type { TocEntry } from './toc.js';

export interface WriteDumpOptions {
  /** Entries in their final order (orderEntries). */
  entries: readonly TocEntry[];
  sink: DumpSink;
  header: HeaderInfo;
  /** The leader's connection, in the dump's snapshot: reads rows (jobs 1) and large objects. */
  client: QueryClient;
  role: string;
  /** Large objects whose contents follow the table data (their LARGE OBJECT entries are pre-data). */
  largeObjects: readonly number[];
  /** Parallel workers' tables (jobs > 1); null streams every table from `client`. */
  parallel: FetchedTableData | null;
  logger?: PgbakLogger;
  signal?: AbortSignal;
  /** Told `schema.table` as each table's rows start (for the progress line). */
  onTable?: (table: string) => void;
  /** Filled with the rows each table's COPY returned, by display name (`public.orders`). */
  rowsCopied?: Map<string, number>;
}

const dataPhase = phases.indexOf('data');
// A worker's file is read in big pieces: the zip's deflate and hashing cost less per byte.
const fileReadBytes = 256 * 1024;

/**
 * Writes the dump: header, the entries in order (a TABLE DATA entry becomes a
 * `COPY … FROM stdin;` block with its rows), the large objects' contents at the
 * end of the data section, and the footer that marks the file complete.
 */
export async function writeDump(options: WriteDumpOptions): Promise<{ tables: number }> {
  const { sink } = options;
  await sink.write(renderHeader(options.header));
  let tables = 0;
  let largeObjectsWritten = false;
  const writeLargeObjects = async () => {
    if (largeObjectsWritten) return;
    largeObjectsWritten = true;
    await writeLargeObjectData(options.client, options.largeObjects, sink, options.role);
  };
  for (const entry of options.entries) {
    throwIfAborted(options.signal);
    if (phases.indexOf(phaseOf(entry)) > dataPhase) await writeLargeObjects();
    if (entry.kind === 'TABLE DATA' && entry.copy) {
      await writeTableData(entry, options);
      tables++;
    } else if (entry.sql.trim() !== '') {
      await sink.write(renderEntry(entry));
    }
  }
  await writeLargeObjects();
  await sink.write(dumpCompleteFooter);
  return { tables };
}

/** An entry as the dump writes it: pg_dump's comment, its SQL, two blank lines. */
export function renderEntry(entry: TocEntry): string {
  return `${renderEntryComment(entry)}${entry.sql.endsWith('\n') ? entry.sql : `${entry.sql}\n`}\n\n`;
}

/** A TABLE DATA entry as a `COPY … FROM stdin;` block with its rows (from a worker's file or the leader's connection). */
export async function writeTableData(entry: TocEntry, options: Pick<WriteDumpOptions, 'sink' | 'client' | 'role' | 'parallel' | 'logger' | 'onTable' | 'rowsCopied'>): Promise<void> {
  const copy = entry.copy!;
  const { sink } = options;
  options.logger?.verbose(`native dump: writing ${entry.id}`);
  options.onTable?.(`${copy.schema}.${copy.table}`);
  await sink.write(`${renderEntryComment(entry)}${copyFromStatement(copy)}`);
  const fetched = options.parallel ? await options.parallel.claim(entry.id) : null;
  let rows: number;
  if (fetched === null) {
    rows = await streamTableRows(options.client, copy, sink, options.role, options.parallel?.signal);
  } else {
    await sink.writeFrom(createReadStream(fetched.file, { highWaterMark: fileReadBytes }));
    await options.parallel!.release(entry.id);
    rows = fetched.rows;
  }
  await sink.write(copyEndMarker);
  options.rowsCopied?.set(displayName(copy.schema, copy.table), rows);
}
