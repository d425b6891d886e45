import type { PartRole } from '../../../archive/index.js';
import { displayName } from '../../../sql/quote.js';
import type { DependencyGraph } from '../dependencies.js';
import { throwIfAborted, type DumpSink } from '../dump-sink.js';
import { dumpCompleteFooter, renderHeader } from '../header.js';
import { writeLargeObjectData } from '../large-object-data.js';
import { phaseOf } from '../order.js';
import { renderEntry, writeTableData, type WriteDumpOptions } from '../write-dump.js';
import { buildSplitToc, type PlacedEntry } from './split-toc.js';

/** One entry of a split dump; `name` is relative to the dump's prefix in the zip. */
export interface SplitPart {
  name: string;
  role: PartRole;
  /** `data` parts of one table, named as in the manifest's row counts (`public.orders`). */
  table?: string;
}

/** Where a split dump's parts go: one zip entry after the other. */
export interface PartOutput {
  /** Starts the next part (the previous one was closed). */
  open(part: SplitPart): Promise<DumpSink>;
  /** Finishes the part opened last: its entry is complete in the archive when this resolves. */
  close(): Promise<void>;
}

export interface WriteSplitOptions extends Omit<WriteDumpOptions, 'sink'> {
  parts: PartOutput;
  graph: DependencyGraph;
}

/** The names of a split dump's fixed parts. */
export const splitParts = { script: 'restore.sql', preData: 'pre-data.sql', postData: 'post-data.sql', toc: 'toc.json', otherData: 'data/other.sql' } as const;

/**
 * Writes a dump in the split layout: the same SQL as writeDump, cut into parts
 * that a restore can run on several connections — pre-data.sql (everything
 * before the data), data/NNNN.sql (one table's `COPY … FROM stdin` block each;
 * data/other.sql: sequence values and large object contents), post-data.sql
 * (indexes, constraints, triggers…, then grants and refreshes, then the footer),
 * toc.json (post-data.sql's items and their dependencies) and restore.sql, which
 * `\ir`s the parts in order, so that psql runs the dump after unzip. Every SQL
 * part starts with the dump's header (session settings): each runs on its own.
 */
export async function writeSplitDump(options: WriteSplitOptions): Promise<{ tables: number }> {
  const { parts, entries } = options;
  const header = renderHeader(options.header);
  const order: string[] = [];
  const write = async (part: SplitPart, body: (sink: DumpSink) => Promise<void>) => {
    throwIfAborted(options.signal);
    const sink = await parts.open(part);
    await sink.write(header);
    await body(sink);
    await parts.close();
    order.push(part.name);
  };

  await write({ name: splitParts.preData, role: 'pre-data' }, async (sink) => {
    for (const entry of entries) if (phaseOf(entry) === 'pre-data' && entry.sql.trim() !== '') await sink.write(renderEntry(entry));
  });

  const dataParts = new Map<string, string>();
  const otherData: string[] = [];
  let tables = 0;
  for (const entry of entries) {
    if (phaseOf(entry) !== 'data') continue;
    if (entry.kind === 'TABLE DATA' && entry.copy) {
      const name = `data/${String(++tables).padStart(4, '0')}.sql`;
      dataParts.set(entry.id, name);
      await write({ name, role: 'data', table: displayName(entry.copy.schema, entry.copy.table) }, (sink) => writeTableData(entry, { ...options, sink }));
    } else if (entry.sql.trim() !== '') {
      otherData.push(renderEntry(entry));
    }
  }
  if (otherData.length > 0 || options.largeObjects.length > 0) {
    await write({ name: splitParts.otherData, role: 'data' }, async (sink) => {
      for (const sql of otherData) await sink.write(sql);
      await writeLargeObjectData(options.client, options.largeObjects, sink, options.role);
    });
  }

  const placed: PlacedEntry[] = [];
  let prelude: [number, number] = [0, 0];
  await write({ name: splitParts.postData, role: 'post-data' }, async (sink) => {
    prelude = [0, sink.bytes];
    for (const entry of entries) {
      const phase = phaseOf(entry);
      if (phase === 'pre-data' || phase === 'data' || entry.sql.trim() === '') continue;
      const start = sink.bytes;
      await sink.write(renderEntry(entry));
      placed.push({ entry, range: [start, sink.bytes] });
    }
    await sink.write(dumpCompleteFooter);
  });

  const toc = buildSplitToc(entries, placed, dataParts, options.graph, { name: splitParts.postData, prelude });
  throwIfAborted(options.signal);
  let sink = await parts.open({ name: splitParts.toc, role: 'toc' });
  await sink.write(`${JSON.stringify(toc, null, 1)}\n`);
  await parts.close();

  sink = await parts.open({ name: splitParts.script, role: 'script' });
  await sink.write(renderScript(options.header.database, order));
  await parts.close();
  return { tables };
}

/**
 * The top-level script: psql includes each part relative to the script's own folder
 * (`\ir`), so it runs from wherever the zip was unzipped. Never run by pgbak
 * (restore loads the parts itself), and refused by its script check if asked to.
 */
function renderScript(database: string, parts: readonly string[]): string {
  return [
    `-- pgbak native dump of database ${database.replace(/[\r\n]/g, ' ')}, split layout.`,
    '-- After unzip, restore it into an empty database with stock psql:',
    '--   psql -X -v ON_ERROR_STOP=1 --single-transaction -d <target> -f <this file>',
    '-- or in parallel with: pgbak restore <zip> --jobs N',
    '',
    ...parts.map((name) => `\\ir ${name}`),
    '',
  ].join('\n');
}
