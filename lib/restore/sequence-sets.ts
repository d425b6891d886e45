import { TextDecoder } from 'node:util';
import { displayName } from '../sql/quote.js';

/** What a dump's `setval` gives each sequence, keyed by display name (`public.orders_id_seq`). */
export type SequenceValues = Record<string, { lastValue: string; isCalled: boolean }>;

const NL = 0x0a;
const COPY = Buffer.from('COPY ');
const FROM_STDIN = Buffer.from(' FROM stdin;');
const END_OF_COPY = Buffer.from('\\.');
const ENTRY_HEADER = Buffer.from('-- Name: ');
const COMMENT_ONLY = Buffer.from('--');
const SEQUENCE_SET = Buffer.from('; Type: SEQUENCE SET;');
const SETVAL = Buffer.from('SELECT pg_catalog.setval(');
const ENCODING = Buffer.from('SET client_encoding = ');
// Longer than any line looked at (a COPY line names at most 1,600 columns).
const MAX_LINE = 1024 * 1024;

const setvalLine = /^SELECT pg_catalog\.setval\((E?)'((?:[^'\\]|''|\\.)*)', (-?\d+), (true|false)\);$/s;

/**
 * Collects the `SEQUENCE SET` entries of a SQL script as pg_dump, pg_restore -f
 * and pgbak's native engine write them: a `-- Name: …; Type: SEQUENCE SET; …`
 * header, then one `SELECT pg_catalog.setval('schema.seq', value, is_called);`
 * line. Reads line by line in constant memory, skipping the rows of COPY blocks
 * (a row may look like anything); nothing is run. The last value set wins.
 */
export async function scanSequenceSets(script: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): Promise<SequenceValues> {
  const found: SequenceValues = {};
  let decoder = new TextDecoder('utf-8');
  let inCopy = false;
  let afterHeader = false;
  const onLine = (line: Buffer) => {
    if (inCopy) {
      if (line.equals(END_OF_COPY)) inCopy = false;
      return;
    }
    if (line.length === 0 || line.equals(COMMENT_ONLY)) return;
    if (startsWith(line, ENTRY_HEADER)) {
      afterHeader = line.includes(SEQUENCE_SET);
      return;
    }
    if (afterHeader && startsWith(line, SETVAL)) {
      const set = parseSetval(decoder.decode(line));
      if (set) found[set.sequence] = { lastValue: set.lastValue, isCalled: set.isCalled };
    } else if (startsWith(line, COPY) && endsWith(line, FROM_STDIN)) {
      inCopy = true;
    } else if (startsWith(line, ENCODING)) {
      decoder = decoderFor(line.toString('latin1'));
    }
    afterHeader = false;
  };
  let rest: Buffer = Buffer.alloc(0);
  // The start of a long line was dropped: its continuation is no line of its own.
  let dropped = false;
  for await (const chunk of script) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    let buf = data;
    if (rest.length > 0) {
      buf = Buffer.concat([rest, data]);
      rest = Buffer.alloc(0);
    }
    for (let nl = buf.indexOf(NL, start); nl !== -1; nl = buf.indexOf(NL, start)) {
      if (dropped) dropped = false;
      else onLine(trimCr(buf.subarray(start, nl)));
      start = nl + 1;
    }
    // Keep a partial line only while it may still matter: every line looked at is
    // short, so a long one (a COPY row, a one-line INSERT) is dropped, not held.
    const tail = buf.subarray(start);
    if (dropped || tail.length > MAX_LINE) {
      if (!dropped && !inCopy) afterHeader = false;
      dropped = true;
      rest = Buffer.alloc(0);
    } else rest = Buffer.from(tail);
  }
  if (dropped) rest = Buffer.alloc(0);
  if (rest.length > 0) onLine(trimCr(rest));
  return found;
}

/** `SELECT pg_catalog.setval('"S"."seq"', 42, true);` → the sequence's display name and value; null if not that form. */
export function parseSetval(line: string): { sequence: string; lastValue: string; isCalled: boolean } | null {
  const match = setvalLine.exec(line);
  if (!match) return null;
  const literal = match[1] === 'E' ? match[2]!.replace(/\\(.)/gs, '$1').replace(/''/g, "'") : match[2]!.replace(/''/g, "'");
  const parts = splitQualified(literal);
  if (!parts || parts.length !== 2) return null;
  return { sequence: displayName(parts[0]!, parts[1]!), lastValue: match[3]!, isCalled: match[4] === 'true' };
}

// `schema.name` as regclass reads it: "quoted" parts verbatim ("" is one quote), others folded to lower case.
function splitQualified(text: string): string[] | null {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let part = '';
      for (i++; ; i++) {
        if (i >= text.length) return null;
        if (text[i] === '"') {
          if (text[i + 1] !== '"') break;
          i++;
        }
        part += text[i];
      }
      i++;
      parts.push(part);
    } else {
      const end = text.indexOf('.', i);
      const part = text.slice(i, end === -1 ? text.length : end);
      if (part === '' || part.includes('"')) return null;
      parts.push(part.toLowerCase());
      i = end === -1 ? text.length : end;
    }
    if (i >= text.length) return parts;
    if (text[i] !== '.') return null;
    i++;
  }
}

// The script's own encoding (pg_dump writes the database's): names in other
// encodings must still read back as the server spells them.
function decoderFor(line: string): TextDecoder {
  const name = /'([A-Za-z0-9_]+)'/.exec(line)?.[1]?.toUpperCase() ?? 'UTF8';
  const latin: Record<string, string> = { '1': '1', '2': '2', '3': '3', '4': '4', '5': '9', '6': '10', '7': '13', '8': '14', '9': '15', '10': '16' };
  let label = name.toLowerCase().replace(/_/g, '-');
  if (name === 'UTF8' || name === 'SQL_ASCII') label = 'utf-8';
  else if (name === 'WIN866') label = 'ibm866';
  else if (/^WIN\d+$/.test(name)) label = `windows-${name.slice(3)}`;
  else if (/^LATIN\d+$/.test(name)) label = `iso-8859-${latin[name.slice(5)] ?? '1'}`;
  else if (/^ISO_8859_\d+$/.test(name)) label = `iso-8859-${name.slice(9)}`;
  else if (name === 'SJIS') label = 'shift_jis';
  try {
    return new TextDecoder(label);
  } catch {
    return new TextDecoder('utf-8');
  }
}

function startsWith(line: Buffer, prefix: Buffer): boolean {
  return line.length >= prefix.length && line.subarray(0, prefix.length).equals(prefix);
}

function endsWith(line: Buffer, suffix: Buffer): boolean {
  return line.length >= suffix.length && line.subarray(line.length - suffix.length).equals(suffix);
}

function trimCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
}
