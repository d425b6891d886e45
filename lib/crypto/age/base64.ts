// age writes binary values as standard base64 without padding, and reads them strictly:
// a value that does not re-encode to exactly the same text is refused (non-canonical
// trailing bits, padding, line breaks, any other character).

/** Standard base64 without `=` padding. */
export function encodeRaw(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

/** Decodes canonical unpadded base64; null for anything else. */
export function decodeRaw(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64');
  return encodeRaw(bytes) === text ? bytes : null;
}
