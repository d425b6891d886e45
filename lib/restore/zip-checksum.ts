// `<key>.sha256` beside an object in a bucket: the whole zip's sha256 as the run that
// uploaded it computed it, in sha256sum's format (`<hex>  <file name>`). verify checks
// the object against it in one sequential pass; restore relies on the per-entry sha256.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { archiveInvalid } from '../archive/archive-invalid.js';
import type { ArchiveSource } from '../storage/index.js';
import { readBeside, type ArchivePlace } from './archive-place.js';

/** What the check of the whole zip found. */
export type ZipChecksum =
  | { status: 'matched'; sha256: string }
  | { status: 'not recorded' }
  | { status: 'unreadable'; reason: string };

/** The sidecar's name beside an archive. */
export const ZIP_CHECKSUM_SUFFIX = '.sha256';

/**
 * Reads `<archive>.sha256` and, when there is one, hashes the whole archive once from
 * `source` and compares. A mismatch is ARCHIVE_INVALID (the object is not the one
 * uploaded); a missing sidecar is `not recorded`, one that holds no sha256 `unreadable`:
 * neither says anything against the archive.
 */
export async function checkZipChecksum(place: ArchivePlace, source: ArchiveSource, signal?: AbortSignal): Promise<ZipChecksum> {
  const text = await readBeside(place, ZIP_CHECKSUM_SUFFIX);
  if (text === null) return { status: 'not recorded' };
  const match = /^([0-9a-fA-F]{64}) [ *]?(.*)$/.exec(text.split('\n')[0]!.trim());
  if (!match) return { status: 'unreadable', reason: `${place.location}${ZIP_CHECKSUM_SUFFIX} does not hold a sha256 in sha256sum's format` };
  const want = match[1]!.toLowerCase();
  const hash = createHash('sha256');
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback();
    },
  });
  await pipeline(source.readStream(0, source.size), sink, signal ? { signal } : {});
  const got = hash.digest('hex');
  if (got !== want || bytes !== source.size) {
    throw archiveInvalid(place.location, `its sha256 is ${got}, but ${place.location}${ZIP_CHECKSUM_SUFFIX} recorded ${want} when it was uploaded`, {
      hint: 'the object in the bucket is not the one pgbak uploaded (damaged, truncated or replaced); use another backup',
    });
  }
  return { status: 'matched', sha256: got };
}
