import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import yauzl from 'yauzl';
import { LocalFileSource, type ArchiveSource } from '../storage/source.js';
import { PgbakError } from '../errors.js';
import { archiveInvalid } from './archive-invalid.js';

/** One entry as listed in the zip's central directory. */
export interface ZipEntryInfo {
  /** Path inside the zip. */
  name: string;
  /** Bytes the entry occupies in the zip. */
  compressedSize: number;
  /** Bytes of the entry's content. */
  uncompressedSize: number;
  /** Whether the entry is deflated (compression method 8) rather than stored (0). */
  compressed: boolean;
}

/** Options for {@link ZipReader.readText}. */
export interface ReadTextOptions {
  /** Refuse entries larger than this many bytes (default 16 MiB): readText is for the manifest and the log. */
  maxBytes?: number;
}

const DEFLATE = 8;
const DEFAULT_MAX_TEXT = 16 * 1024 * 1024;
/**
 * Bytes zlib hands out at a time when inflating an entry. yauzl's inflater uses zlib's
 * default of 16 KiB: every chunk is a round trip to libuv's thread pool, which for a
 * 500 MB entry of COPY text was 1.0 CPU-s of a 0.3 CPU-s inflate (measured at 256 KiB).
 * 1 MiB halves what 256 KiB cost again (pgbench's 488 MB: 0.24 CPU-s instead of 0.40;
 * BENCHMARKS.md, restorej), and every stage after it (sha256, the splitter, COPY's
 * messages and socket writes) handles a quarter of the chunks. A stream holds a few
 * chunks at most: some MiB per entry open.
 */
const INFLATE_CHUNK = 1024 * 1024;

/** Read access to a finished archive. Close it when done: it holds a file descriptor. */
export class ZipReader {
  private readonly byName: Map<string, yauzl.Entry>;

  constructor(
    /** The archive's path, used in error messages. */
    readonly path: string,
    private readonly zip: yauzl.ZipFile,
    entries: yauzl.Entry[],
  ) {
    this.byName = new Map(entries.map((entry) => [entry.fileName, entry]));
  }

  /** Every entry, in the order of the central directory. */
  entries(): ZipEntryInfo[] {
    return [...this.byName.values()].map((entry) => ({
      name: entry.fileName,
      compressedSize: entry.compressedSize,
      uncompressedSize: entry.uncompressedSize,
      compressed: entry.compressionMethod === DEFLATE,
    }));
  }

  /** Whether the archive holds an entry called `name`. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The entry's content decoded as UTF-8; for small entries only (see {@link ReadTextOptions}). */
  async readText(name: string, options: ReadTextOptions = {}): Promise<string> {
    return (await this.readBytes(name, options)).toString('utf8');
  }

  /** The entry's exact bytes (what a signature covers); for small entries only (see {@link ReadTextOptions}). */
  async readBytes(name: string, options: ReadTextOptions = {}): Promise<Buffer> {
    const entry = this.entry(name);
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_TEXT;
    if (entry.uncompressedSize > maxBytes) {
      throw archiveInvalid(this.path, `${name} is ${entry.uncompressedSize} bytes, more than the ${maxBytes} expected`);
    }
    const chunks: Buffer[] = [];
    try {
      // yauzl checks the actual size against uncompressedSize, so this cannot outgrow maxBytes.
      for await (const chunk of await this.zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    } catch (error) {
      if (error instanceof PgbakError) throw error;
      throw archiveInvalid(this.path, `cannot read ${name}: ${messageOf(error)}`, { cause: error });
    }
    return Buffer.concat(chunks);
  }

  /**
   * The entry's decompressed content as a stream. Corruption inside the entry
   * (bad deflate data, wrong size) surfaces as an 'error' on the stream; yauzl does
   * not check CRC-32, so compare the sha256 from the manifest (see verifyEntries).
   */
  async openStream(name: string): Promise<Readable> {
    const entry = this.entry(name);
    try {
      if (entry.compressionMethod !== DEFLATE) return await this.zip.openReadStreamPromise(entry);
      // Inflated here rather than by yauzl, in bigger chunks (see INFLATE_CHUNK); the size is checked as yauzl does.
      const raw = await this.zip.openReadStreamPromise(entry, { decompress: false });
      return pipeline(raw, createInflateRaw({ chunkSize: INFLATE_CHUNK }), new ByteCount(entry.uncompressedSize), () => undefined);
    } catch (error) {
      // The source's own errors (an S3 read that failed) already name the archive and say why.
      if (error instanceof PgbakError) throw error;
      throw archiveInvalid(this.path, `cannot read ${name}: ${messageOf(error)}`, { cause: error });
    }
  }

  /** Releases the file descriptor once open streams are done. Idempotent. */
  close(): void {
    this.zip.close();
    // A source's reader closes when the zip and its streams are done (see SourceReader).
  }

  private entry(name: string): yauzl.Entry {
    const entry = this.byName.get(name);
    if (entry === undefined) throw archiveInvalid(this.path, `it has no entry ${name}`);
    return entry;
  }
}

/** Fails the stream when it carries more or fewer bytes than the entry's recorded size (yauzl's own messages). */
class ByteCount extends Transform {
  #seen = 0;

  constructor(private readonly expected: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.expected) callback(new Error(`too many bytes in the stream. expected ${this.expected}. got at least ${this.#seen}`));
    else callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#seen < this.expected) callback(new Error(`not enough bytes in the stream. expected ${this.expected}. got only ${this.#seen}`));
    else callback();
  }
}

/** Opens an archive file and reads its table of contents; anything not a sound zip is ARCHIVE_INVALID. */
export async function openZip(path: string): Promise<ZipReader> {
  let source: LocalFileSource;
  try {
    source = await LocalFileSource.open(path);
  } catch (error) {
    throw archiveInvalid(path, messageOf(error), { cause: error });
  }
  return openZipSource(source);
}

/** Bytes at the end of a source read at once: the end record and, for most archives, the whole central directory. */
const TAIL_BYTES = 256 * 1024;
/** Bytes read at once from an entry's local header on: the header and, for a small entry, its data too. */
const HEAD_BYTES = 64 * 1024;
/** A read this small is a header read (yauzl reads 30 bytes before each entry). */
const SMALL_READ = 1024;

/**
 * yauzl's random access over an {@link ArchiveSource}: each read is one ranged stream,
 * except that the archive's tail is read once and kept (yauzl reads the central directory
 * one small record at a time, which would otherwise be a request per entry on S3), and
 * that a small read (an entry's local header) fetches the next {@link HEAD_BYTES} at once,
 * kept for the data read that follows: one request per small entry rather than two.
 */
class SourceReader extends yauzl.RandomAccessReader {
  private tail: Promise<Block> | undefined;
  private head: Promise<Block> | undefined;
  private headRange: { from: number; to: number } | undefined;

  constructor(private readonly source: ArchiveSource) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const size = this.source.size;
    if (this.tail === undefined && end === size) {
      const from = Math.max(0, Math.min(start, size - TAIL_BYTES));
      this.tail = this.block(from, size);
    }
    const tail = this.tail;
    if (tail !== undefined) return this.fromBlock(tail, start, end, () => this.fromHead(start, end));
    return this.fromHead(start, end);
  }

  private fromHead(start: number, end: number): Readable {
    const held = this.headRange !== undefined && start >= this.headRange.from && end <= this.headRange.to;
    if (!held && end - start <= SMALL_READ) {
      this.headRange = { from: start, to: Math.min(this.source.size, start + HEAD_BYTES) };
      this.head = this.block(this.headRange.from, this.headRange.to);
    }
    const head = this.head;
    if (head !== undefined) return this.fromBlock(head, start, end, () => this.source.readStream(start, end));
    return this.source.readStream(start, end);
  }

  private block(from: number, to: number): Promise<Block> {
    const block = collect(this.source.readStream(from, to)).then((bytes) => ({ start: from, bytes }));
    block.catch(() => undefined);
    return block;
  }

  /** `[start, end)` from a kept block as far as it holds it, the rest from `otherwise` (a block that does not hold `start`). */
  private fromBlock(block: Promise<Block>, start: number, end: number, otherwise: () => Readable): Readable {
    const source = this.source;
    return Readable.from(
      (async function* () {
        const { start: at, bytes } = await block;
        const blockEnd = at + bytes.length;
        if (start < at || start >= blockEnd) {
          yield* otherwise();
          return;
        }
        yield bytes.subarray(start - at, Math.min(end, blockEnd) - at);
        if (end > blockEnd) yield* source.readStream(blockEnd, end);
      })(),
      { objectMode: false },
    );
  }

  // yauzl calls this once the zip is closed and every stream it handed out has ended.
  override close(callback: (error: Error | null) => void): void {
    // A failed close of a read-only source loses nothing; yauzl would emit it with no listener.
    this.source.close().then(() => callback(null), () => callback(null));
  }
}

interface Block {
  start: number;
  bytes: Buffer;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Opens an archive from a random-access source (a local file, an S3 object): only the
 * end of central directory, the central directory and the entries asked for are read.
 * The source is closed with the reader; on failure it is closed here.
 */
export async function openZipSource(source: ArchiveSource): Promise<ZipReader> {
  const reader = new SourceReader(source);
  let zip: yauzl.ZipFile | undefined;
  try {
    zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.fromRandomAccessReader(reader, source.size, { lazyEntries: true, autoClose: false, strictFileNames: true }, (error, opened) =>
        error ? reject(error) : resolve(opened),
      ),
    );
    const entries: yauzl.Entry[] = [];
    for await (const entry of zip.eachEntry()) entries.push(entry);
    return new ZipReader(source.location, zip, entries);
  } catch (error) {
    if (zip !== undefined) zip.close();
    else await source.close();
    if (error instanceof PgbakError) throw error;
    throw archiveInvalid(source.location, messageOf(error), { cause: error });
  }
}

function messageOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return error instanceof Error ? error.message : String(error);
}
