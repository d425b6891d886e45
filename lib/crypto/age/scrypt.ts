// The scrypt recipient type: a passphrase. It must be the only stanza of a header (a
// passphrase file is not also encrypted to public keys), and the work factor a file
// asks for is capped, as age does, so a crafted file cannot make decryption take hours.
import { randomBytes, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { open, seal, ZERO_NONCE } from './aead.js';
import { decodeRaw, encodeRaw } from './base64.js';
import type { Stanza } from './header.js';

const LABEL = 'age-encryption.org/v1/scrypt';
/** age's work factor when it encrypts (log2 N: about a second, 256 MiB). */
export const SCRYPT_WORK_FACTOR = 18;
/** The highest work factor a file may ask of the decrypter (age's own cap). */
export const SCRYPT_MAX_WORK_FACTOR = 22;

const scryptAsync = promisify(scrypt) as (password: Buffer, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

// Off the main thread (libuv's pool): a second of scrypt must not stall a run's streams.
function derive(passphrase: Buffer, salt: Buffer, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  return scryptAsync(passphrase, Buffer.concat([Buffer.from(LABEL, 'latin1'), salt]), 32, { N, r: 8, p: 1, maxmem: 128 * N * 8 + 1024 * 1024 });
}

/** The stanza that locks the file key with a passphrase. */
export async function wrapScrypt(passphrase: Buffer, fileKey: Buffer, logN = SCRYPT_WORK_FACTOR): Promise<Stanza> {
  const salt = randomBytes(16);
  return { type: 'scrypt', args: [encodeRaw(salt), String(logN)], body: seal(await derive(passphrase, salt, logN), ZERO_NONCE, fileKey) };
}

/** The file key when `passphrase` is the one; null otherwise. Throws for a malformed stanza or a work factor above the cap. */
export async function unwrapScrypt(stanza: Stanza, passphrase: Buffer): Promise<Buffer | null> {
  const [saltText, logNText] = stanza.args;
  const salt = stanza.args.length === 2 ? decodeRaw(saltText!) : null;
  if (salt === null || salt.length !== 16) throw new Error('its scrypt stanza has a malformed salt');
  if (!/^[1-9][0-9]?$/.test(logNText!)) throw new Error('its scrypt stanza has a malformed work factor');
  const logN = Number(logNText);
  if (logN > SCRYPT_MAX_WORK_FACTOR) throw new Error(`its scrypt work factor 2^${logN} is above the cap of 2^${SCRYPT_MAX_WORK_FACTOR}`);
  if (stanza.body.length !== 32) throw new Error('its scrypt stanza has a body of the wrong size');
  return open(await derive(passphrase, salt, logN), ZERO_NONCE, stanza.body);
}
