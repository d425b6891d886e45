import { Readable } from 'node:stream';
import { formatBytes } from '../../log/format-bytes.js';
import { classifyCopy, settingValue } from './classify-statement.js';
import { scanCopyData } from './copy-terminator.js';
import { stripLeadingComments } from './leading-comments.js';
import { checkLoaderMetaCommand, metaCommandName, type MetaCommandPolicy } from './meta-command.js';
import { SqlScriptError } from './script-error.js';
import { StatementScanner } from './statement-scanner.js';

/** One unit of a SQL script, in file order. */
export type SqlItem =
  | {
      type: 'statement';
      /** The statement, leading comments removed, with its `;` when it had one. */
      sql: string;
      /** 1-based line of its first token. */
      line: number;
    }
  | {
      type: 'copy';
      /** The `COPY … FROM stdin;` statement. */
      sql: string;
      line: number;
      /** Line of the first data row (COPY's "line 1"). */
      dataLine: number;
      /**
       * The rows as bytes, up to but excluding the `\.` line. Read it to its end or
       * destroy it before asking for the next item: what is left is skipped.
       */
      data: Readable;
    };

/** What the splitter held, for tests and benchmarks of its memory. */
export interface SplitStats {
  /** Bytes taken from the source. */
  bytesRead: number;
  /** The most bytes held at once: the statement being read plus the unread part of the current chunk. */
  maxBufferedBytes: number;
  /** Set at the end of the script: the first line of a literal psql may read otherwise (see StatementScanner.ambiguousStringLine). */
  ambiguousStringLine?: number;
}

export interface SplitSqlOptions {
  /** Refuse a statement larger than this (default 256 MiB): a runaway quote, or not SQL. */
  maxStatementBytes?: number;
  /** Filled in as the script is read. */
  stats?: SplitStats;
  /** Decides about each psql meta-command (default: pgbak's native loader's, which refuses all but \restrict / \unrestrict). */
  metaCommands?: MetaCommandPolicy;
  /**
   * Read statements in any ASCII-compatible encoding (invalid UTF-8 is replaced,
   * not refused): for scanning a script that psql will run, not for loading it.
   */
  anyEncoding?: boolean;
}

const MiB = 1024 * 1024;
const MAX_META_LINE = 4096;
const EMPTY = Buffer.alloc(0);

/**
 * Splits a SQL script, as psql would run it, into statements and COPY blocks.
 * Reads the source one chunk at a time and only as far as the consumer asked:
 * a COPY block's data is handed out as slices of the source's own chunks, with
 * backpressure, so a COPY of any size goes through in constant memory.
 * Statements are buffered one at a time. Stopping early (return, break, an
 * error) destroys the source.
 */
export function splitSql(source: AsyncIterable<Uint8Array | string>, options: SplitSqlOptions = {}): AsyncGenerator<SqlItem, void, undefined> {
  return new SqlSplitter(source, options).items();
}

interface CopyBlock {
  stream: Readable;
  atLineStart: boolean;
  done: boolean;
  /** The read in progress: only one at a time touches the source. */
  reading: Promise<Buffer | null> | null;
}

class SqlSplitter {
  private readonly iterator: AsyncIterator<Uint8Array | string>;
  private readonly scanner = new StatementScanner();
  private readonly decoder: InstanceType<typeof TextDecoder>;
  private readonly metaCommands: MetaCommandPolicy;
  private readonly maxStatementBytes: number;
  private readonly stats: SplitStats;
  private buf: Buffer = EMPTY;
  private pos = 0;
  private eof = false;
  private pulling = false;
  private held = 0;
  private copy: CopyBlock | null = null;

  constructor(
    private readonly source: AsyncIterable<Uint8Array | string>,
    options: SplitSqlOptions,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
    this.maxStatementBytes = options.maxStatementBytes ?? 256 * MiB;
    this.decoder = new TextDecoder('utf-8', { fatal: !options.anyEncoding });
    this.metaCommands = options.metaCommands ?? checkLoaderMetaCommand;
    this.stats = options.stats ?? { bytesRead: 0, maxBufferedBytes: 0 };
  }

  async *items(): AsyncGenerator<SqlItem, void, undefined> {
    try {
      for (;;) {
        const statement = await this.nextStatement();
        if (statement === null) {
          if (this.scanner.ambiguousStringLine > 0) this.stats.ambiguousStringLine = this.scanner.ambiguousStringLine;
          return;
        }
        if (classifyCopy(statement.sql) === 'from-stdin') {
          await this.skipRestOfLine(statement.line);
          const block = this.startCopy();
          yield { type: 'copy', ...statement, dataLine: this.scanner.line, data: block.stream };
          await this.finishCopy(block);
        } else {
          this.followSettings(statement.sql);
          yield { type: 'statement', ...statement };
        }
      }
    } finally {
      if (this.copy && !this.copy.done) this.copy.stream.destroy();
      this.copy = null;
      if (!this.eof) await this.closeSource();
    }
  }

  /**
   * Stops reading a script that was not read to its end. A Readable is destroyed
   * first: its iterator queues return() behind a pending next(), which for a
   * stalled source would never come.
   */
  private async closeSource(): Promise<void> {
    if (isDestroyable(this.source)) this.source.destroy();
    const closing = this.iterator.return?.()?.catch(() => undefined);
    if (!this.pulling) await closing;
  }

  /** The next statement, or null at the end of the script. */
  private async nextStatement(): Promise<{ sql: string; line: number } | null> {
    const parts: Buffer[] = [];
    let start = this.pos;
    let startLine = this.scanner.line;
    const restart = () => {
      parts.length = 0;
      this.held = 0;
      start = this.pos;
      startLine = this.scanner.line;
    };
    for (;;) {
      if (this.pos >= this.buf.length) {
        if (start < this.buf.length) this.keep(parts, this.buf.subarray(start), startLine);
        if (!(await this.pull())) {
          const open = this.scanner.finish();
          if (open) throw new SqlScriptError(open.line, `the script ends inside ${open.what} that starts here: the file is truncated, or not SQL`, 'check the backup (pgbak verify) or restore it with psql');
          const last = this.build(parts, startLine);
          this.held = 0;
          return last;
        }
        start = 0;
      }
      const { end, stop } = this.scanner.scan(this.buf, this.pos);
      this.pos = end;
      if (stop === 'semicolon') {
        this.keep(parts, this.buf.subarray(start, end), startLine);
        const statement = this.build(parts, startLine);
        if (statement !== null) {
          this.held = 0;
          return statement;
        }
        restart(); // an empty statement (`;` alone)
      } else if (stop === 'meta') {
        const line = this.scanner.line;
        const atLineStart = this.scanner.atLineStart;
        const inStatement = this.scanner.hasContent;
        const text = await this.readLine();
        this.metaCommands({ name: metaCommandName(text), text, line, atLineStart, inStatement });
        // A meta-command ends the statement before it in psql too; the policies refuse that case.
        restart();
      }
    }
  }

  /** Decodes a finished statement; null when it holds nothing but comments and `;`. */
  private build(parts: Buffer[], startLine: number): { sql: string; line: number } | null {
    if (parts.length === 0) return null;
    let text: string;
    try {
      text = this.decoder.decode(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    } catch {
      throw new SqlScriptError(this.scanner.statementLine, 'the statement is not valid UTF-8: pgbak\'s loader reads UTF8 scripts only');
    }
    const { sql, lines } = stripLeadingComments(text);
    const trimmed = sql.trimEnd();
    if (trimmed === '' || trimmed === ';') return null;
    return { sql: trimmed, line: startLine + lines };
  }

  private keep(parts: Buffer[], part: Buffer, startLine: number): void {
    if (part.length === 0) return;
    parts.push(part);
    this.held += part.length;
    if (this.held > this.maxStatementBytes) {
      throw new SqlScriptError(
        this.scanner.hasContent ? this.scanner.statementLine : startLine,
        `a statement longer than ${formatBytes(this.maxStatementBytes)} starts here: a quote is not closed, or the file is not SQL`,
        'check the backup (pgbak verify) or restore it with psql',
      );
    }
    this.note();
  }

  /** The rest of the current line from pos (a meta-command), consumed with its line end. */
  private async readLine(): Promise<string> {
    const kept: Buffer[] = [];
    let size = 0;
    for (;;) {
      if (this.pos >= this.buf.length && !(await this.pull())) break;
      const nl = this.buf.indexOf(0x0a, this.pos);
      const end = nl === -1 ? this.buf.length : nl;
      if (size < MAX_META_LINE) {
        kept.push(this.buf.subarray(this.pos, Math.min(end, this.pos + MAX_META_LINE - size)));
        size += kept[kept.length - 1]!.length;
      }
      if (nl !== -1) {
        this.pos = nl + 1;
        this.scanner.line++;
        this.scanner.atLineStart = true;
        break;
      }
      this.pos = end;
    }
    return Buffer.concat(kept).toString('utf8').replace(/\r$/, '');
  }

  /** After `COPY … FROM stdin;` the data starts on the next line; only blanks and a `--` comment may follow on this one. */
  private async skipRestOfLine(line: number): Promise<void> {
    const rest = (await this.readLine()).trim();
    if (rest !== '' && !rest.startsWith('--')) {
      throw new SqlScriptError(line, `unexpected text after COPY … FROM stdin; on the same line (${JSON.stringify(rest.slice(0, 40))}): the data must start on the next line`);
    }
  }

  private startCopy(): CopyBlock {
    const block: CopyBlock = { stream: null as unknown as Readable, atLineStart: true, done: false, reading: null };
    const read = (): Promise<Buffer | null> => {
      block.reading = this.readCopyData(block).finally(() => {
        block.reading = null;
      });
      return block.reading;
    };
    block.stream = new CopyDataStream(read);
    this.copy = block;
    return block;
  }

  /** The next slice of the block's data, or null after its `\.` line. */
  private async readCopyData(block: CopyBlock): Promise<Buffer | null> {
    for (;;) {
      if (block.done) return null;
      const scan = scanCopyData(this.buf, this.pos, block.atLineStart, this.eof);
      const data = this.buf.subarray(this.pos, scan.dataEnd);
      this.scanner.line += scan.lines;
      this.pos = scan.next;
      block.atLineStart = scan.atLineStart;
      if (scan.done) {
        block.done = true;
        this.scanner.atLineStart = true;
      }
      if (data.length > 0) return data;
      if (block.done) return null;
      if (!(await this.pull()) && this.pos >= this.buf.length) {
        throw new SqlScriptError(this.scanner.line, 'the script ends inside COPY data, before its \\. line: the file is truncated', 'check the backup (pgbak verify); nothing after this point could be restored');
      }
    }
  }

  /** The consumer moved on: skip whatever it left of the block's data. */
  private async finishCopy(block: CopyBlock): Promise<void> {
    if (!block.done) {
      if (!block.stream.destroyed) block.stream.destroy();
      if (block.reading) await block.reading.catch(() => undefined);
      while ((await this.readCopyData(block)) !== null);
    }
    this.copy = null;
  }

  /** What psql learns from the server: `standard_conforming_strings` changes how '…' is read. */
  private followSettings(sql: string): void {
    const value = settingValue(sql, 'standard_conforming_strings');
    if (value === null) return;
    const on = /^(on|true|yes|1)$/i.test(value);
    const off = /^(off|false|no|0)$/i.test(value);
    if (on || off) this.scanner.standardStrings = on;
  }

  /** Takes the next chunk, keeping the unread bytes before it. False at the end of the source. */
  private async pull(): Promise<boolean> {
    if (this.eof) return false;
    const rest = this.buf.subarray(this.pos);
    this.pulling = true;
    let next: IteratorResult<Uint8Array | string>;
    try {
      next = await this.iterator.next();
    } finally {
      this.pulling = false;
    }
    if (next.done) {
      this.eof = true;
      return false;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    this.stats.bytesRead += chunk.length;
    this.buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    this.pos = 0;
    this.note();
    return true;
  }

  private note(): void {
    const held = this.held + this.buf.length - this.pos;
    if (held > this.stats.maxBufferedBytes) this.stats.maxBufferedBytes = held;
  }
}

function isDestroyable(source: unknown): source is { destroy(): void } {
  return typeof (source as { destroy?: unknown }).destroy === 'function';
}

/** A COPY block's data, read from the script only as fast as it is consumed. */
class CopyDataStream extends Readable {
  private reading = false;

  constructor(private readonly next: () => Promise<Buffer | null>) {
    super();
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    this.next().then(
      (chunk) => {
        this.reading = false;
        if (!this.destroyed) this.push(chunk);
      },
      (error: unknown) => {
        this.reading = false;
        this.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }
}
