// The payload: a 16-byte nonce, then the plaintext in 64 KiB chunks, each sealed with
// ChaCha20-Poly1305 under HKDF(file key, nonce, "payload") and a nonce made of an 11-byte
// big-endian counter and a last-chunk flag. Only the last chunk may be short; it is empty
// only when the whole plaintext is.
import { hkdfSync, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { open, seal, TAG_SIZE } from './aead.js';

export const CHUNK_SIZE = 64 * 1024;
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;
export const PAYLOAD_NONCE_SIZE = 16;

/** The key the payload is sealed with. */
export function payloadKey(fileKey: Buffer, nonce: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

function chunkNonce(index: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(BigInt(index), 3);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Opens chunk `index`; null when it does not authenticate (altered, or not the chunk it claims to be). */
export function openChunk(key: Buffer, index: number, last: boolean, sealed: Buffer): Buffer | null {
  const plaintext = open(key, chunkNonce(index, last), sealed);
  // An empty last chunk is only ever the first one (an empty file).
  if (plaintext !== null && last && index > 0 && plaintext.length === 0) return null;
  return plaintext;
}

/**
 * Encrypts a byte stream: emits `prefix` (the header), the payload nonce, then the sealed
 * chunks. A full chunk is held until more input shows it is not the last, so the last
 * flag is right without an empty final chunk.
 */
export class PayloadEncryptor extends Transform {
  private readonly key: Buffer;
  private readonly buffer = Buffer.allocUnsafe(CHUNK_SIZE);
  private filled = 0;
  private index = 0;

  constructor(fileKey: Buffer, prefix: Buffer) {
    super();
    const nonce = randomBytes(PAYLOAD_NONCE_SIZE);
    this.key = payloadKey(fileKey, nonce);
    this.push(Buffer.concat([prefix, nonce]));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.filled === CHUNK_SIZE) {
        this.push(seal(this.key, chunkNonce(this.index++, false), this.buffer));
        this.filled = 0;
      }
      const n = chunk.copy(this.buffer, this.filled, at);
      this.filled += n;
      at += n;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.push(seal(this.key, chunkNonce(this.index++, true), this.buffer.subarray(0, this.filled)));
    callback();
  }
}

/** Where the plaintext's chunks are in a payload of `payloadBytes` (nonce excluded); null when no valid payload has that size. */
export function payloadLayout(payloadBytes: number): { chunks: number; plaintextBytes: number } | null {
  if (payloadBytes < TAG_SIZE) return null;
  const chunks = Math.ceil(payloadBytes / SEALED_CHUNK_SIZE);
  const lastSealed = payloadBytes - (chunks - 1) * SEALED_CHUNK_SIZE;
  // A last chunk of only a tag after full chunks would be an empty final chunk: never written.
  if (chunks > 1 && lastSealed <= TAG_SIZE) return null;
  return { chunks, plaintextBytes: payloadBytes - chunks * TAG_SIZE };
}
