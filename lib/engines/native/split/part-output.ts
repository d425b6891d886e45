import type { Transform } from 'node:stream';
import type { EntryInfo, PartRole } from '../../../archive/index.js';
import type { ArchiveEntries } from '../../step.js';
import { DumpSink } from '../dump-sink.js';
import type { PartOutput, SplitPart } from './write-split.js';

/** The parts of a split dump as zip entries, one after the other, with what the manifest says of them. */
export interface ZipPartOutput extends PartOutput {
  /** The entries written, in order. */
  readonly entries: EntryInfo[];
  /** Each entry's role (and table), by entry name. */
  readonly roles: Record<string, { role: PartRole; table?: string }>;
  /** Stops the part being written; resolves to the archive's own failure, if it failed first, else null. */
  abandon(): Promise<unknown>;
}

/**
 * Writes each part into the archive as `<prefix><name>`: `stream()` makes the
 * (counting) stream an entry is read from; the part's sink writes into it with
 * backpressure. A part is complete in the archive before the next one starts.
 */
export function createPartOutput(zip: ArchiveEntries, prefix: string, compress: boolean, stream: () => Transform, signal?: AbortSignal): ZipPartOutput {
  const entries: EntryInfo[] = [];
  const roles: Record<string, { role: PartRole; table?: string }> = {};
  let current: { part: SplitPart; stream: Transform; written: Promise<EntryInfo> } | null = null;
  return {
    entries,
    roles,
    async open(part) {
      if (current) throw new Error(`split dump: ${current.part.name} is still open`);
      const source = stream();
      const written = zip.addStream(`${prefix}${part.name}`, source, { compress });
      // A rejected entry (disk full) destroys the stream, which fails the next write; never unhandled.
      written.catch(() => undefined);
      current = { part, stream: source, written };
      return new DumpSink(source, signal);
    },
    async close() {
      if (!current) throw new Error('split dump: no part is open');
      const { part, stream: source, written } = current;
      source.end();
      const info = await written;
      current = null;
      entries.push(info);
      roles[info.name] = { role: part.role, ...(part.table !== undefined ? { table: part.table } : {}) };
    },
    async abandon() {
      if (!current) return null;
      const { stream: source, written } = current;
      current = null;
      source.destroy();
      return written.then(() => null, (reason: unknown) => reason);
    },
  };
}
