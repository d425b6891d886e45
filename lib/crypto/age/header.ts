// The age header (age-encryption.org/v1, C2SP age.md): a version line, one stanza per
// recipient, and a MAC line. Text, LF line ends only, parsed strictly: anything that
// is not exactly what the spec allows is refused, since the header is the file's key.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { decodeRaw, encodeRaw } from './base64.js';

export const VERSION_LINE = 'age-encryption.org/v1';
const STANZA_PREFIX = '-> ';
const MAC_PREFIX = '---';
const BODY_COLUMNS = 64;

/** One recipient stanza: `-> type arg…` and its base64 body. */
export interface Stanza {
  type: string;
  args: string[];
  body: Buffer;
}

/** A header as read: its stanzas, its MAC, and the bytes the MAC covers. */
export interface ParsedHeader {
  stanzas: Stanza[];
  mac: Buffer;
  /** The header from its first byte through `---` (what the MAC is computed over). */
  macInput: Buffer;
  /** The header's length in bytes, the MAC line's LF included: where the payload nonce starts. */
  length: number;
}

/** Why a header did not parse, for the caller to name the file. */
export class HeaderError extends Error {}

/** The header bytes up to and including `---`; the MAC goes after a space. */
export function serializeStanzas(stanzas: readonly Stanza[]): string {
  let text = `${VERSION_LINE}\n`;
  for (const stanza of stanzas) {
    text += `${STANZA_PREFIX}${[stanza.type, ...stanza.args].join(' ')}\n`;
    const body = encodeRaw(stanza.body);
    // Full 64-column lines, then a shorter final line: an empty one when the body fills its lines.
    for (let at = 0; ; at += BODY_COLUMNS) {
      const line = body.slice(at, at + BODY_COLUMNS);
      text += `${line}\n`;
      if (line.length < BODY_COLUMNS) break;
    }
  }
  return `${text}${MAC_PREFIX}`;
}

/** The whole header: stanzas, then the MAC under the file key. */
export function writeHeader(stanzas: readonly Stanza[], fileKey: Buffer): Buffer {
  const macInput = Buffer.from(serializeStanzas(stanzas), 'latin1');
  return Buffer.concat([macInput, Buffer.from(` ${encodeRaw(headerMac(fileKey, macInput))}\n`, 'latin1')]);
}

/** HMAC-SHA-256 of the header under HKDF(file key, "header"). */
export function headerMac(fileKey: Buffer, macInput: Buffer): Buffer {
  const key = Buffer.from(hkdfSync('sha256', fileKey, Buffer.alloc(0), 'header', 32));
  return createHmac('sha256', key).update(macInput).digest();
}

/** Whether `mac` is the header's MAC under `fileKey` (constant time). */
export function macMatches(fileKey: Buffer, header: ParsedHeader): boolean {
  const expected = headerMac(fileKey, header.macInput);
  return header.mac.length === expected.length && timingSafeEqual(header.mac, expected);
}

/**
 * Parses a header from the start of `bytes`; null when `bytes` ends before the MAC line
 * does (read more and try again). Throws {@link HeaderError} for anything malformed.
 */
export function parseHeader(bytes: Buffer): ParsedHeader | null {
  let at = 0;
  const nextLine = (): string | null => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) return null;
    const line = bytes.toString('latin1', at, end);
    at = end + 1;
    return line;
  };
  const version = nextLine();
  if (version === null) {
    if (bytes.length >= VERSION_LINE.length && !bytes.toString('latin1', 0, VERSION_LINE.length).startsWith(VERSION_LINE)) {
      throw new HeaderError('it does not start with "age-encryption.org/v1": not an age file');
    }
    return null;
  }
  if (version !== VERSION_LINE) throw new HeaderError('it does not start with "age-encryption.org/v1": not an age file, or another version');
  const stanzas: Stanza[] = [];
  for (;;) {
    const lineStart = at;
    const line = nextLine();
    if (line === null) return null;
    if (line.startsWith(`${MAC_PREFIX} `) || line === MAC_PREFIX) {
      const mac = decodeRaw(line.slice(MAC_PREFIX.length + 1));
      if (!line.startsWith(`${MAC_PREFIX} `) || mac === null || mac.length !== 32) throw new HeaderError('its header MAC line is malformed');
      return { stanzas, mac, macInput: bytes.subarray(0, lineStart + MAC_PREFIX.length), length: at };
    }
    if (!line.startsWith(STANZA_PREFIX)) throw new HeaderError('its header has a line that is neither a stanza nor the MAC');
    const args = line.slice(STANZA_PREFIX.length).split(' ');
    if (args.some((arg) => !/^[\x21-\x7e]+$/.test(arg))) throw new HeaderError('a stanza of its header has a malformed argument');
    const body: Buffer[] = [];
    for (;;) {
      const text = nextLine();
      if (text === null) return null;
      const part = text.length <= BODY_COLUMNS ? decodeRaw(text) : null;
      if (part === null) throw new HeaderError('a stanza body of its header is not canonical base64 in 64 columns');
      body.push(part);
      if (text.length < BODY_COLUMNS) break;
    }
    stanzas.push({ type: args[0]!, args: args.slice(1), body: Buffer.concat(body) });
  }
}
