// A table's rows in a split native dump are checked against the manifest's sha256
// while they load, not before the restore starts (reading 500 MB twice was most of
// what a parallel restore cost over pg_restore -j). What keeps "an altered archive is
// never restored" true for them:
// - the table's transaction commits only once its whole entry was read and matched
//   (the entry's stream fails at its end otherwise, before the loader's COMMIT);
// - until then nothing of the entry may act outside that transaction: a table's part
//   may hold only the session settings every part starts with (the same statements as
//   the header of post-data.sql, which was checked before anything ran) and one
//   `COPY "schema"."table" (…) FROM stdin;` of its own table, as the native engine
//   writes it. Any other statement is refused before it runs.
// A part that fails to load for any reason before it matched is read to its end
// through sha256, so that an altered entry is reported as such, not as a bad row.
import { createHash } from 'node:crypto';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { verifyEntries, type ExpectedEntry, type ZipReader } from '../archive/index.js';
import { archiveInvalid } from '../archive/archive-invalid.js';
import type { LoadEvent } from '../engines/native/index.js';
import { PgbakError } from '../errors.js';
import { displayName } from '../sql/quote.js';
import type { SplitInputPart } from './types.js';
import { isStorageFailure } from './open-archive.js';

const ident = '"((?:[^"]|"")+)"';
// What copyFromStatement (engines/native/copy-data.ts) writes: names always quoted, no options, no WHERE.
const copyStatement = new RegExp(`^COPY ${ident}\\.${ident}(?: \\(${ident}(?:, ${ident})*\\))? FROM stdin;$`);

/**
 * Whether a data part is checked against its sha256 while it loads rather than before
 * the restore starts: a table's rows (one COPY in a transaction of its own), not the
 * sequence values and large objects, which commit object by object.
 */
export function checkedWhileLoading(part: SplitInputPart): boolean {
  return part.role === 'data' && part.table !== undefined;
}

/** Checks one table's part of a split dump while the loader reads it. */
export class PartCheck {
  #stream: CheckedEntry | undefined;
  #copies = 0;
  #refused: PgbakError | undefined;

  constructor(
    private readonly reader: ZipReader,
    /** The entry as the manifest records it. */
    readonly entry: ExpectedEntry,
    /** The table, named as in the manifest (`public.orders`). */
    private readonly table: string,
    /** The statements every part starts with (post-data.sql's header, checked already). */
    private readonly settings: ReadonlySet<string>,
  ) {}

  /** The entry's content, hashed on its way: the stream fails at its end when it does not match. */
  async open(): Promise<Readable> {
    const source = await this.reader.openStream(this.entry.name);
    this.#stream = new CheckedEntry(this.entry, (reason) => tampered(this.reader.path, this.entry.name, reason));
    // Errors of the zip's stream reach the loader through the checked one; stopping the loader stops both.
    return pipeline(source, this.#stream, () => undefined);
  }

  /** The whole entry was read and matched its sha256. */
  get matched(): boolean {
    return this.#stream?.matched === true;
  }

  /** For the loader's onStatement: refuses, before it runs, any statement a table's part does not hold. */
  readonly onStatement = (event: LoadEvent): void => {
    if (event.type === 'statement' && !event.skipped && this.settings.has(event.sql)) return;
    const copy = event.type === 'copy' ? copyStatement.exec(event.sql) : null;
    if (copy && this.#copies === 0 && displayName(unquote(copy[1]!), unquote(copy[2]!)) === this.table) {
      this.#copies++;
      return;
    }
    const first = event.sql.split('\n', 1)[0]!.slice(0, 80);
    this.#refused = archiveInvalid(this.reader.path, `${this.entry.name}, the rows of ${this.table}, holds at line ${event.line} what the native engine never writes there (${JSON.stringify(first)}): refused before it ran`, {
      hint: 'the archive was altered (its manifest too) or written by another pgbak version; nothing of that table was restored',
    });
    throw this.#refused;
  };

  /**
   * What to report for a load of this part that failed before the entry matched: the
   * entry's own mismatch when it does not match (read to its end here if the load
   * stopped early), else `error` as it is. A storage failure while reading is thrown.
   */
  async verdict(error: unknown): Promise<unknown> {
    if (this.matched) return error;
    if (error instanceof PgbakError && error.code === 'ARCHIVE_TAMPERED') return error;
    const [check] = await verifyEntries(this.reader, [this.entry], { rethrow: isStorageFailure });
    if (check && !check.ok) return tampered(this.reader.path, this.entry.name, check.reason ?? 'does not match');
    return this.#refused ?? error;
  }
}

/** The error for a table's part found altered while it loaded (exit 3); the caller adds what became of the target. */
export function tampered(path: string, name: string, reason: string): PgbakError {
  return new PgbakError('ARCHIVE_TAMPERED', `${path}: ${name} does not match the manifest: ${reason}`, {
    hint: 'the archive was damaged or altered after it was written; use another backup',
  });
}

/** The table a table part's `COPY … FROM stdin;` loads, as the native engine writes it; null for any other statement. */
export function copyTarget(sql: string): { schema: string; table: string } | null {
  const copy = copyStatement.exec(sql);
  return copy ? { schema: unquote(copy[1]!), table: unquote(copy[2]!) } : null;
}

function unquote(quoted: string): string {
  return quoted.replace(/""/g, '"');
}

/** A pass-through that hashes and counts; at the end it fails instead of ending when the content does not match. */
class CheckedEntry extends Transform {
  readonly #hash = createHash('sha256');
  #bytes = 0;
  matched = false;

  constructor(
    private readonly want: ExpectedEntry,
    private readonly mismatch: (reason: string) => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const sha256 = this.#hash.digest('hex');
    if (this.#bytes !== this.want.bytes) callback(this.mismatch(`size mismatch: ${this.#bytes} bytes, expected ${this.want.bytes}`));
    else if (sha256 !== this.want.sha256) callback(this.mismatch(`digest mismatch: sha256 ${sha256}, expected ${this.want.sha256}`));
    else {
      this.matched = true;
      callback();
    }
  }
}
