import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PgbakError } from '../../errors.js';
import { signingKeyId } from './key-id.js';

/** A public key an archive's signature is checked against. */
export interface VerifyKey {
  /** `sha256:<hex>` (see signingKeyId). */
  keyId: string;
  key: KeyObject;
  /** The file it came from, for messages. */
  file: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const MAX_KEYS_FILE = 1024 * 1024;

/**
 * Reads the public keys archives may be signed with: each file holds one or more
 * SPKI PEM Ed25519 public keys (`signing.pub` as `pgbak keygen` writes it; several
 * in one file, or several files, while keys are rotated). `origin` names where the
 * paths came from (`--verify-key`, `PGBAK_VERIFY_KEY_FILE`). A file that cannot be read,
 * holds no public key, a key of another type, or a private key is CONFIG_INVALID (exit 2).
 */
export async function readVerifyKeys(paths: readonly string[], origin: string): Promise<VerifyKey[]> {
  const keys = new Map<string, VerifyKey>();
  for (const path of paths) {
    for (const key of await readKeyFile(path, origin)) if (!keys.has(key.keyId)) keys.set(key.keyId, key);
  }
  return [...keys.values()];
}

async function readKeyFile(file: string, origin: string): Promise<VerifyKey[]> {
  const refuse = (why: string, hint: string) => new PgbakError('CONFIG_INVALID', `${origin} ${file}: ${why}`, { hint });
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw refuse(`cannot be read: ${code}`, 'give the signing.pub that `pgbak keygen` wrote beside the signing key');
  }
  if (text.length > MAX_KEYS_FILE) throw refuse('is too large to be a file of PEM keys', 'give the signing.pub that `pgbak keygen` wrote');
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.some((block) => /PRIVATE KEY$/.test(block[1]!))) {
    throw refuse('holds a private key', 'give the public key (signing.pub); the private signing.key stays on the machine that makes the backups');
  }
  const publics = blocks.filter((block) => block[1] === 'PUBLIC KEY');
  if (publics.length === 0) throw refuse('holds no PEM public key (-----BEGIN PUBLIC KEY-----)', 'give the signing.pub that `pgbak keygen` wrote');
  return publics.map((block, index) => {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: block[0], format: 'pem' });
    } catch {
      throw refuse(`public key ${index + 1} does not read as an SPKI PEM key`, 'give the signing.pub that `pgbak keygen` wrote');
    }
    if (key.asymmetricKeyType !== 'ed25519') throw refuse(`public key ${index + 1} is of type ${key.asymmetricKeyType ?? 'unknown'}, not Ed25519`, 'pgbak signs with Ed25519 keys: give the signing.pub that `pgbak keygen` wrote');
    return { keyId: signingKeyId(key), key, file };
  });
}
