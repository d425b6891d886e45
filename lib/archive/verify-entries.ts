import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHashCounter } from './hash-stream.js';
import type { Manifest } from './manifest-types.js';
import type { ZipReader } from './zip-reader.js';

/** What an entry should be, as recorded in the manifest. */
export interface ExpectedEntry {
  name: string;
  sha256: string;
  bytes: number;
}

/** The verdict for one expected entry. */
export interface EntryCheck {
  name: string;
  ok: boolean;
  /** Why it is not ok: missing, size mismatch, digest mismatch or unreadable. */
  reason?: string;
}

/**
 * Every entry the manifest vouches for with a sha256: each step's dump entries
 * and, when stored, its schema model (a tampered model must be caught like a
 * tampered dump, as compare trusts it).
 */
export function manifestEntries(manifest: Manifest): ExpectedEntry[] {
  return manifest.steps.flatMap((step) => [
    ...step.entries,
    ...(step.schemaModel ? [{ name: step.schemaModel.entry, sha256: step.schemaModel.sha256, bytes: step.schemaModel.bytes }] : []),
  ]);
}

/** Options of {@link verifyEntries}. */
export interface VerifyEntriesOptions {
  /**
   * Read errors for which this is true are thrown rather than reported as an
   * unreadable entry: a storage that failed (an S3 error, a reset connection) says
   * nothing about the entry.
   */
  rethrow?: (error: unknown) => boolean;
}

/**
 * Reads every expected entry through sha256 and reports one result per entry, so
 * one bad entry does not hide the others. Entries the archive has but nobody
 * expected are not reported. Entries are read one after the other, in the order
 * they lie in the zip (sequential reads over ranged GETs).
 */
export async function verifyEntries(reader: ZipReader, expected: readonly ExpectedEntry[], options: VerifyEntriesOptions = {}): Promise<EntryCheck[]> {
  const offsets = new Map(reader.entries().map((entry, index) => [entry.name, index]));
  const order = [...expected].sort((a, b) => (offsets.get(a.name) ?? -1) - (offsets.get(b.name) ?? -1));
  const checked = new Map<ExpectedEntry, EntryCheck>();
  for (const want of order) checked.set(want, await verifyEntry(reader, want, options));
  return expected.map((want) => checked.get(want)!);
}

async function verifyEntry(reader: ZipReader, want: ExpectedEntry, options: VerifyEntriesOptions): Promise<EntryCheck> {
  const { name } = want;
  const listed = reader.entries().find((entry) => entry.name === name);
  if (listed === undefined) return { name, ok: false, reason: 'missing' };
  // The central directory's size is checked against the data while reading, so a
  // mismatch here needs no read at all.
  if (listed.uncompressedSize !== want.bytes) {
    return { name, ok: false, reason: `size mismatch: ${listed.uncompressedSize} bytes, expected ${want.bytes}` };
  }
  const counter = createHashCounter();
  try {
    await pipeline(await reader.openStream(name), counter, discard());
  } catch (error) {
    if (options.rethrow?.(error)) throw error;
    return { name, ok: false, reason: `unreadable: ${error instanceof Error ? error.message : String(error)}` };
  }
  const got = counter.digest();
  if (got.bytes !== want.bytes) return { name, ok: false, reason: `size mismatch: ${got.bytes} bytes, expected ${want.bytes}` };
  if (got.sha256 !== want.sha256) {
    return { name, ok: false, reason: `digest mismatch: sha256 ${got.sha256}, expected ${want.sha256}` };
  }
  return { name, ok: true };
}

function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}
