import { Readable } from 'node:stream';
import type pg from 'pg';

// Message types of the PostgreSQL frontend/backend protocol ("Message Formats").
const ErrorResponse = 0x45; // E
const CopyOutResponse = 0x48; // H
const CopyData = 0x64; // d
const CopyDone = 0x63; // c
const NoticeResponse = 0x4e; // N
const ParameterStatus = 0x53; // S
const NotificationResponse = 0x41; // A

// Every message but ErrorResponse and the unknown ones is read here: a type byte and a length.
const headerBytes = 5;

/** What one chunk from the socket held: the rows' bytes, and (once COPY mode is over) the bytes that are the driver's again. */
export interface CopyOutPiece {
  /** The contents of the CopyData messages in the chunk, in order; null when there were none. */
  data: Buffer | null;
  /** Set once COPY mode ended: the bytes from the message after CopyDone (or from an ErrorResponse) on. */
  rest: Buffer | null;
}

/**
 * Splits a COPY TO STDOUT response into the rows' bytes, a socket chunk at a
 * time. The rows (CopyData contents) are moved to the start of the chunk they
 * came in, over the message headers, so a chunk costs one Buffer, not one per
 * row as a general message parser makes (that was a sixth of a native dump's
 * CPU time). Messages the protocol allows in between (notices, parameter
 * status, notifications) and CopyOutResponse are skipped; CopyDone ends COPY
 * mode, and so does any other message (an ErrorResponse above all), which is
 * left for the driver in `rest`.
 *
 * `feed` overwrites the chunk it is given: pass chunks nobody else reads.
 */
export class CopyOutParser {
  // A header cut by the end of a chunk (fewer than 5 bytes).
  #carry: Buffer | null = null;
  // Content bytes of the current message still to come, and whether they are rows.
  #remaining = 0;
  #rows = false;
  // The current message is CopyDone: COPY mode ends after its content.
  #last = false;
  #ended = false;

  /** COPY mode is over (CopyDone or an error seen). */
  get ended(): boolean {
    return this.#ended;
  }

  feed(chunk: Buffer): CopyOutPiece {
    if (this.#ended) return { data: null, rest: chunk };
    const buf = chunk;
    let pos = 0;
    if (this.#carry !== null) {
      // Complete the header from the new chunk; the rest of the chunk is read in place.
      const carry = this.#carry;
      const need = headerBytes - carry.length;
      if (chunk.length < need) {
        this.#carry = Buffer.concat([carry, chunk]);
        return { data: null, rest: null };
      }
      this.#carry = null;
      this.#header(carry[0]!, Buffer.concat([carry, chunk.subarray(0, need)]).readUInt32BE(1));
      pos = need;
      if (this.#last && this.#remaining === 0) return this.#end(null, buf, pos);
    }
    let out = 0;
    const length = buf.length;
    while (pos < length) {
      if (this.#remaining > 0) {
        const n = Math.min(this.#remaining, length - pos);
        if (this.#rows) {
          if (out !== pos) buf.copyWithin(out, pos, pos + n);
          out += n;
        }
        pos += n;
        this.#remaining -= n;
        if (this.#remaining > 0) break;
        if (this.#last) return this.#end(out > 0 ? buf.subarray(0, out) : null, buf, pos);
        continue;
      }
      const type = buf[pos]!;
      if (!readsHere(type)) {
        // Not COPY's: the driver reads it (an ErrorResponse, or the end of COPY mode as the protocol allows).
        return this.#end(out > 0 ? buf.subarray(0, out) : null, buf, pos);
      }
      if (length - pos < headerBytes) {
        // Copied, so that a few bytes do not keep the whole chunk alive.
        this.#carry = Buffer.from(buf.subarray(pos));
        break;
      }
      this.#header(type, buf.readUInt32BE(pos + 1));
      pos += headerBytes;
      if (this.#last && this.#remaining === 0) return this.#end(out > 0 ? buf.subarray(0, out) : null, buf, pos);
    }
    return { data: out > 0 ? buf.subarray(0, out) : null, rest: null };
  }

  #header(type: number, length: number): void {
    this.#remaining = length - 4;
    this.#rows = type === CopyData;
    this.#last = type === CopyDone;
  }

  #end(data: Buffer | null, buf: Buffer, pos: number): CopyOutPiece {
    this.#ended = true;
    return { data, rest: buf.subarray(pos) };
  }
}

function readsHere(type: number): boolean {
  return type === CopyData || type === CopyDone || type === CopyOutResponse || type === NoticeResponse || type === ParameterStatus || type === NotificationResponse;
}

/**
 * `COPY … TO STDOUT` as a readable stream of the rows' bytes, submitted to a
 * pg Client with `client.query(new CopyOutStream(sql))`. It works as
 * pg-copy-streams' `to()` does: while COPY runs it reads the connection's
 * socket itself (the driver's own parser is detached; the socket is read only
 * as fast as the stream is read, so memory stays flat), and hands the socket
 * back with the bytes after CopyDone, or from an ErrorResponse on, which the
 * driver then reports through {@link handleError}. What differs is the parsing
 * (see {@link CopyOutParser}): the stream's chunks are the socket's chunks
 * minus the message headers, not one Buffer per row.
 */
export class CopyOutStream extends Readable implements pg.Submittable {
  /** Rows copied, from the server's `COPY n` (set once the command completed). */
  rowCount = 0;
  /**
   * The rows copied once the server has completed the command (`COPY n`, then
   * ReadyForQuery, which may come after the stream's end); rejects when it failed.
   * In the COPY's snapshot this is the table's count(*): a row count for free.
   */
  readonly completed: Promise<number>;
  #settle: { resolve: (rows: number) => void; reject: (error: Error) => void } | null = null;

  readonly #parser = new CopyOutParser();
  #connection: pg.Connection | null = null;
  #driverOnData: ((chunk: Buffer) => void) | null = null;
  #wanted = false;
  #forwarding = false;
  readonly #onReadable = () => this.#forward();

  constructor(readonly text: string) {
    super();
    this.completed = new Promise<number>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // Awaited only after the rows were read to their end; a failure reaches the reader as the stream's error.
    this.completed.catch(() => undefined);
  }

  /** Called by pg's Client when the query's turn comes. */
  submit(connection: pg.Connection): void {
    this.#connection = connection;
    const socket = connection.stream;
    const listeners = socket.listeners('data') as ((chunk: Buffer) => void)[];
    if (listeners.length !== 1) throw new Error(`COPY TO STDOUT: expected the driver's one data listener on the socket, found ${listeners.length}`);
    this.#driverOnData = listeners[0]!;
    socket.removeListener('data', this.#driverOnData);
    socket.pause();
    socket.on('readable', this.#onReadable);
    connection.query(this.text);
  }

  override _read(): void {
    this.#wanted = true;
    this.#forward();
  }

  #forward(): void {
    if (this.#forwarding || !this.#wanted || this.#connection === null || this.#parser.ended) return;
    this.#forwarding = true;
    try {
      const socket = this.#connection.stream;
      let chunk: Buffer | null;
      while (this.#wanted && !this.#parser.ended && (chunk = socket.read() as Buffer | null) !== null) {
        const piece = this.#parser.feed(chunk);
        if (piece.data !== null) this.#wanted = this.push(piece.data);
        if (piece.rest !== null) this.#detach(piece.rest);
      }
    } finally {
      this.#forwarding = false;
    }
  }

  // COPY mode is over: the driver reads the socket again, starting with `rest`.
  #detach(rest: Buffer): void {
    const socket = this.#connection!.stream;
    const driverOnData = this.#driverOnData!;
    socket.removeListener('readable', this.#onReadable);
    socket.on('data', driverOnData);
    if (rest.length > 0) driverOnData(rest);
    // Resumed on the next tick, after the handler above: bytes still buffered in the socket follow `rest`, in order.
    process.nextTick(() => socket.resume());
    // After an ErrorResponse the driver calls handleError; the rows must not look complete then.
    if (rest.length === 0 || rest[0] !== ErrorResponse) this.push(null);
  }

  /** The server's error (or the connection's), from the driver. */
  handleError(error: Error): void {
    this.#settle?.reject(error);
    this.emit('error', error);
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /^COPY (\d+)/.exec(message?.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {
    this.#settle?.resolve(this.rowCount);
  }
}
