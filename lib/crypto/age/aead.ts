import { createCipheriv, createDecipheriv } from 'node:crypto';

const TAG = 16;

/** ChaCha20-Poly1305 (RFC 8439) with node's own cipher: `plaintext || tag`. */
export function seal(key: Buffer, nonce: Buffer, plaintext: Buffer): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  const out = Buffer.allocUnsafe(plaintext.length + TAG);
  const n = cipher.update(plaintext).copy(out, 0);
  cipher.final();
  cipher.getAuthTag().copy(out, n);
  return out;
}

/** Opens `ciphertext || tag`; null when the tag does not match. */
export function open(key: Buffer, nonce: Buffer, sealed: Buffer): Buffer | null {
  if (sealed.length < TAG) return null;
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  const plaintext = decipher.update(sealed.subarray(0, sealed.length - TAG));
  try {
    decipher.final();
  } catch {
    return null;
  }
  return plaintext;
}

export const ZERO_NONCE = Buffer.alloc(12);
export const TAG_SIZE = TAG;
