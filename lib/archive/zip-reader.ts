import { Readable } from 'node:stream';
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
      throw archiveInvalid(this.path, `cannot read ${name}: ${messageOf(error)}`, { cause: error });
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /**
   * The entry's decompressed content as a stream. Corruption inside the entry
   * (bad deflate data, wrong size) surfaces as an 'error' on the stream; yauzl does
   * not check CRC-32, so compare the sha256 from the manifest (see verifyEntries).
   */
  async openStream(name: string): Promise<Readable> {
    const entry = this.entry(name);
    try {
      return await this.zip.openReadStreamPromise(entry);
    } catch (error) {
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

/**
 * yauzl's random access over an {@link ArchiveSource}: each read is one ranged stream,
 * except that the archive's tail is read once and kept: yauzl reads the central directory
 * one small record at a time, which would otherwise be a request per entry on S3.
 */
class SourceReader extends yauzl.RandomAccessReader {
  private tail: Promise<{ start: number; bytes: Buffer }> | undefined;

  constructor(private readonly source: ArchiveSource) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const size = this.source.size;
    if (this.tail === undefined && end === size) {
      const from = Math.max(0, Math.min(start, size - TAIL_BYTES));
      this.tail = collect(this.source.readStream(from, size)).then((bytes) => ({ start: from, bytes }));
      this.tail.catch(() => undefined);
    }
    const tail = this.tail;
    if (tail !== undefined) {
      const source = this.source;
      return Readable.from(
        (async function* () {
          const { start: at, bytes } = await tail;
          if (start >= at) yield bytes.subarray(start - at, end - at);
          else yield* source.readStream(start, end);
        })(),
        { objectMode: false },
      );
    }
    return this.source.readStream(start, end);
  }

  // yauzl calls this once the zip is closed and every stream it handed out has ended.
  override close(callback: (error: Error | null) => void): void {
    // A failed close of a read-only source loses nothing; yauzl would emit it with no listener.
    this.source.close().then(() => callback(null), () => callback(null));
  }
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
