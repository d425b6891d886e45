import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { open } from 'node:fs/promises';
import { inspect } from 'node:util';
import { PgbakError } from '../errors.js';

// The profile's `signing.keyFile`, read and checked when the configuration loads (like a
// passwordFile): a run never starts with a key it cannot use. Signing and checking
// signatures live in lib/crypto/signing.

/**
 * A signing key's id: `sha256:` and the hex sha256 of its public key in SPKI DER form,
 * the bytes inside `signing.pub` (`openssl pkey -pubin -in signing.pub -outform DER | sha256sum`).
 * Given a private key, the id of its public half. Safe to print, log and store.
 */
export function signingKeyId(key: KeyObject): string {
  const der = (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/**
 * The Ed25519 private key a run signs its manifest with. Like a Secret, it never
 * prints: JSON, `util.inspect` and string conversion show the file and the key id only.
 */
export class SigningKey {
  readonly #key: KeyObject;
  /** Where the key was read from (a path is no secret). */
  readonly keyFile: string;
  /** `sha256:<hex>` of the public key (see signingKeyId). */
  readonly keyId: string;

  constructor(key: KeyObject, keyFile: string) {
    this.#key = key;
    this.keyFile = keyFile;
    this.keyId = signingKeyId(key);
  }

  /** The detached Ed25519 signature of `bytes` (64 bytes). */
  sign(bytes: Buffer): Buffer {
    return sign(null, bytes, this.#key);
  }

  /** The public half, to check what this key signed (run --verify). */
  publicKey(): KeyObject {
    return createPublicKey(this.#key);
  }

  toJSON(): { keyFile: string; keyId: string } {
    return { keyFile: this.keyFile, keyId: this.keyId };
  }

  toString(): string {
    return `SigningKey(${this.keyId})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Bigger than any PEM of an Ed25519 key: a file this size is not one. */
const MAX_KEY_FILE = 64 * 1024;

/**
 * Reads the profile's `signing.keyFile`: a PKCS#8 PEM Ed25519 private key (as `pgbak keygen`
 * writes it) that only its owner may read. Every refusal is CONFIG_INVALID (exit 2) naming
 * `origin` (the profile file and key) and the path, never the file's content.
 */
export async function readSigningKey(path: string, origin: string): Promise<SigningKey> {
  const refuse = (why: string, hint: string, cause?: unknown) =>
    new PgbakError('CONFIG_INVALID', `${origin}: ${path} ${why}`, { hint, ...(cause === undefined ? {} : { cause: withoutDetail(cause) }) });
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw refuse('is not a file', 'point signing.keyFile at the signing.key that `pgbak keygen` wrote');
      if ((info.mode & 0o077) !== 0) {
        throw refuse(`can be read or written by group or others (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')})`, `a private key must be its owner's alone: chmod 600 ${path}`);
      }
      if (info.size > MAX_KEY_FILE) throw refuse('is too large to be a PEM key', 'point signing.keyFile at the signing.key that `pgbak keygen` wrote');
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof PgbakError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw refuse(`cannot be read: ${code}`, 'point signing.keyFile at the signing.key that `pgbak keygen` wrote, readable by the user that runs pgbak', error);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(text) || (error as { code?: string }).code === 'ERR_MISSING_PASSPHRASE';
    throw refuse(
      encrypted ? 'is encrypted with a passphrase' : 'does not hold a PEM private key',
      encrypted ? 'pgbak reads an unencrypted PKCS#8 key protected by its file mode (0600): write one with `pgbak keygen`' : 'signing.keyFile takes the private signing.key (PKCS#8 PEM) that `pgbak keygen` wrote, not signing.pub',
    );
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw refuse(`holds a key of type ${key.asymmetricKeyType ?? 'unknown'}, not Ed25519`, 'pgbak signs with Ed25519: write a key with `pgbak keygen`');
  }
  return new SigningKey(key, path);
}

// An error from reading or parsing a key file is kept as a cause only with its code:
// nothing of the file (or a library's echo of it) may reach a log through --debug.
function withoutDetail(error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  return Object.assign(new Error(typeof code === 'string' ? code : 'key file error'), typeof code === 'string' ? { code } : {});
}
