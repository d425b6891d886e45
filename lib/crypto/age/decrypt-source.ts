// An age file read as its plaintext, by ranges: a plaintext range maps to the chunks that
// hold it (64 KiB + 16 each, after the header and nonce), and only those are read and
// decrypted. A zip reader on top reads the central directory, the manifest and the
// entries it opens, as it does from a plain zip: a restore of one table from a bucket
// fetches that table's bytes, not the archive.
import { Readable, Transform, pipeline, type TransformCallback } from 'node:stream';
import type { ArchiveSource } from '../../storage/source.js';
import { ageCorrupt } from './errors.js';
import { HeaderError, parseHeader } from './header.js';
import type { AgeIdentity } from './keys.js';
import { CHUNK_SIZE, openChunk, PAYLOAD_NONCE_SIZE, payloadKey, payloadLayout, SEALED_CHUNK_SIZE } from './payload.js';
import { unwrapFileKey } from './unwrap.js';

const HEADER_READ = 64 * 1024;
const MAX_HEADER = 16 * 1024 * 1024;
const CACHED_CHUNKS = 4;

/** The plaintext of an age file, read by ranges from the ciphertext's source. */
export class AgeDecryptingSource implements ArchiveSource {
  readonly location: string;
  readonly size: number;
  private readonly cache = new Map<number, Buffer>();

  private constructor(
    private readonly inner: ArchiveSource,
    private readonly key: Buffer,
    private readonly payloadStart: number,
    private readonly chunks: number,
    plaintextBytes: number,
  ) {
    this.location = inner.location;
    this.size = plaintextBytes;
  }

  /**
   * Reads the header, finds the file key with `identities` (none matching: exit 2,
   * before anything else is read), checks the header MAC, and reads and authenticates the
   * last chunk: a file cut short is refused here, never served as a shorter plaintext.
   * The inner source is closed when opening fails; otherwise it belongs to this one.
   */
  static async open(inner: ArchiveSource, identities: readonly AgeIdentity[]): Promise<AgeDecryptingSource> {
    try {
      const header = await readHeader(inner);
      const fileKey = await unwrapFileKey(header, identities, inner.location);
      const nonceBytes = await readAll(inner.readStream(header.length, Math.min(inner.size, header.length + PAYLOAD_NONCE_SIZE)));
      if (nonceBytes.length < PAYLOAD_NONCE_SIZE) throw ageCorrupt(inner.location, 'it ends before its payload: truncated');
      const payloadStart = header.length + PAYLOAD_NONCE_SIZE;
      const layout = payloadLayout(inner.size - payloadStart);
      if (layout === null) throw ageCorrupt(inner.location, 'its payload ends inside a chunk: truncated or altered');
      const source = new AgeDecryptingSource(inner, payloadKey(fileKey, nonceBytes), payloadStart, layout.chunks, layout.plaintextBytes);
      await readAll(source.rangeOfChunks(layout.chunks - 1, layout.chunks - 1, 0, 0));
      return source;
    } catch (error) {
      await inner.close().catch(() => undefined);
      throw error;
    }
  }

  readStream(start: number, end: number): Readable {
    end = Math.min(end, this.size);
    if (start >= end) return Readable.from([]);
    const first = Math.floor(start / CHUNK_SIZE);
    const last = Math.floor((end - 1) / CHUNK_SIZE);
    const cached: Buffer[] = [];
    for (let index = first; index <= last; index++) {
      const chunk = this.cache.get(index);
      if (chunk === undefined) return this.rangeOfChunks(first, last, start, end);
      cached.push(slice(chunk, index, start, end));
    }
    return Readable.from(cached);
  }

  async close(): Promise<void> {
    this.cache.clear();
    await this.inner.close();
  }

  private rangeOfChunks(first: number, last: number, start: number, end: number): Readable {
    const from = this.payloadStart + first * SEALED_CHUNK_SIZE;
    const to = Math.min(this.payloadStart + (last + 1) * SEALED_CHUNK_SIZE, this.inner.size);
    const decrypt = new ChunkOpener(first, (index, sealed) => {
      const isLast = index === this.chunks - 1;
      const plaintext = openChunk(this.key, index, isLast, sealed);
      if (plaintext === null) {
        throw ageCorrupt(this.location, isLast ? 'its last chunk does not authenticate: truncated or altered' : `chunk ${index} does not authenticate: altered or damaged`);
      }
      this.remember(index, plaintext);
      return slice(plaintext, index, start, end);
    });
    return pipeline(this.inner.readStream(from, to), decrypt, () => undefined);
  }

  private remember(index: number, plaintext: Buffer): void {
    this.cache.delete(index);
    this.cache.set(index, plaintext);
    if (this.cache.size > CACHED_CHUNKS) this.cache.delete(this.cache.keys().next().value!);
  }
}

function slice(plaintext: Buffer, index: number, start: number, end: number): Buffer {
  const at = index * CHUNK_SIZE;
  return plaintext.subarray(Math.max(0, start - at), Math.max(0, Math.min(plaintext.length, end - at)));
}

/** Cuts sealed bytes into chunks (the last one may be short) and opens each in turn. */
class ChunkOpener extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private index: number,
    private readonly openOne: (index: number, sealed: Buffer) => Buffer,
  ) {
    super();
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending.push(data);
    this.pendingBytes += data.length;
    try {
      while (this.pendingBytes >= SEALED_CHUNK_SIZE) {
        const all = Buffer.concat(this.pending, this.pendingBytes);
        this.emit1(all.subarray(0, SEALED_CHUNK_SIZE));
        const rest = all.subarray(SEALED_CHUNK_SIZE);
        this.pending = rest.length > 0 ? [rest] : [];
        this.pendingBytes = rest.length;
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.pendingBytes > 0) this.emit1(Buffer.concat(this.pending, this.pendingBytes));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private emit1(sealed: Buffer): void {
    const plaintext = this.openOne(this.index++, sealed);
    if (plaintext.length > 0) this.push(plaintext);
  }
}

async function readHeader(source: ArchiveSource) {
  for (let want = HEADER_READ; ; want *= 4) {
    const bytes = await readAll(source.readStream(0, Math.min(source.size, want)));
    let header;
    try {
      header = parseHeader(bytes);
    } catch (error) {
      if (error instanceof HeaderError) throw ageCorrupt(source.location, error.message);
      throw error;
    }
    if (header !== null) return header;
    if (bytes.length < want || want >= MAX_HEADER) throw ageCorrupt(source.location, 'it ends inside its header: truncated, or not an age file');
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}
