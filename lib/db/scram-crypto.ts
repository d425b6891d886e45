// The driver's SCRAM-SHA-256 login (pg/lib/crypto/sasl.js) computes through WebCrypto:
// each HMAC an importKey and a sign, each a job on libuv's thread pool and a promise,
// and PBKDF2 with 4,096 iterations for every connection. A per-database run opens a
// connection per archive: 2.9 ms of pgbak's CPU each on the machine of BENCHMARKS.md
// (2026-12-05, helper perarch), 1.2 ms with node:crypto's HMAC and hash, computed at
// once, and the salted password kept for the next connection of the same role (the
// server salts a role's verifier once: every login of a run gets the same salt and
// iteration count). The bytes are the same; only how they are computed changes.
import { createHash, createHmac, pbkdf2 } from 'node:crypto';
import pgCrypto from 'pg/lib/crypto/utils.js';

// A few roles × servers per process at most; a bound keeps a long-lived library user's small.
const MAX_SALTED = 32;
const salted = new Map<string, Promise<Buffer>>();

/** Makes the driver's SCRAM computations use node:crypto (idempotent). */
export function useFastScram(): void {
  if ((pgCrypto as { pgbakFast?: boolean }).pgbakFast) return;
  pgCrypto.deriveKey = deriveSaltedPassword;
  pgCrypto.hmacSha256 = async (key, message) => createHmac('sha256', toBuffer(key)).update(message, 'utf8').digest();
  pgCrypto.sha256 = async (data) => createHash('sha256').update(toBuffer(data)).digest();
  (pgCrypto as { pgbakFast?: boolean }).pgbakFast = true;
}

// SaltedPassword := Hi(password, salt, i) (RFC 5802): PBKDF2-HMAC-SHA-256 of 32 bytes.
// Keyed by a hash of the password, never the password itself.
function deriveSaltedPassword(password: string, salt: Uint8Array, iterations: number): Promise<Buffer> {
  const key = `${iterations}:${toBuffer(salt).toString('base64')}:${createHash('sha256').update(password, 'utf8').digest('base64')}`;
  let derived = salted.get(key);
  if (!derived) {
    derived = new Promise<Buffer>((resolve, reject) => pbkdf2(password, toBuffer(salt), iterations, 32, 'sha256', (error, bytes) => (error ? reject(error) : resolve(bytes))));
    // A failure is not kept: the next login computes again.
    derived.catch(() => salted.delete(key));
    if (salted.size >= MAX_SALTED) salted.delete(salted.keys().next().value!);
    salted.set(key, derived);
  }
  return derived;
}

function toBuffer(bytes: ArrayBuffer | Uint8Array): Buffer {
  return bytes instanceof Uint8Array ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.from(bytes);
}
