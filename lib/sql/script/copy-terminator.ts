// Finding the `\.` line that ends the data of a `COPY … FROM stdin;` in a script,
// as psql does: a line holding exactly `\.` (LF or CRLF), or `\.` at the very end
// of the file. COPY's text format escapes a backslash in data as `\\`, so a data
// line never is `\.` by accident.

const NL = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const DOT = 0x2e;

/** How far {@link scanCopyData} got in a buffer. */
export interface CopyScan {
  /** Data runs from the start position to here (exclusive). */
  dataEnd: number;
  /** Where to continue: after the terminator line, or at dataEnd. */
  next: number;
  /** The terminator was found: the block ends at dataEnd. */
  done: boolean;
  /** The buffer ends on a line start that may be the terminator: more bytes are needed (kept from dataEnd). */
  needMore: boolean;
  /** Whether `next` is the start of a line. */
  atLineStart: boolean;
  /** Line ends passed, terminator line included. */
  lines: number;
}

/**
 * Scans COPY data in `buf` from `start` (`atLineStart`: whether a line begins
 * there). `eof`: no bytes follow `buf`, so `\.` at its end is a terminator.
 * Runs at native speed: one indexOf per line.
 */
export function scanCopyData(buf: Uint8Array, start: number, atLineStart: boolean, eof: boolean): CopyScan {
  let lineStart = atLineStart ? start : -1;
  let from = start;
  let lines = 0;
  for (;;) {
    if (lineStart !== -1) {
      const length = terminatorAt(buf, lineStart, eof);
      if (length > 0) return { dataEnd: lineStart, next: lineStart + length, done: true, needMore: false, atLineStart: true, lines: lines + 1 };
      if (length < 0) return { dataEnd: lineStart, next: lineStart, done: false, needMore: true, atLineStart: true, lines };
    }
    const nl = buf.indexOf(NL, from);
    if (nl === -1) return { dataEnd: buf.length, next: buf.length, done: false, needMore: false, atLineStart: false, lines };
    lines++;
    from = nl + 1;
    if (from === buf.length) return { dataEnd: from, next: from, done: false, needMore: false, atLineStart: true, lines };
    lineStart = from;
  }
}

/**
 * The length of the terminator line at `at` (3 for `\.\n`, 4 for `\.\r\n`, 2 or 3
 * at the end of the file), 0 when the line is data, -1 when the bytes so far are
 * a prefix of a terminator and more are needed to tell.
 */
export function terminatorAt(buf: Uint8Array, at: number, eof: boolean): number {
  const left = buf.length - at;
  if (left === 0) return eof ? 0 : -1;
  if (buf[at] !== BACKSLASH) return 0;
  if (left === 1) return eof ? 0 : -1;
  if (buf[at + 1] !== DOT) return 0;
  if (left === 2) return eof ? 2 : -1;
  const third = buf[at + 2];
  if (third === NL) return 3;
  if (third !== CR) return 0;
  if (left === 3) return eof ? 3 : -1;
  return buf[at + 3] === NL ? 4 : 0;
}
