import { ageCorrupt, keyProblem } from './errors.js';
import { macMatches, type ParsedHeader } from './header.js';
import type { AgeIdentity } from './keys.js';
import { unwrapScrypt } from './scrypt.js';
import { identityRecipient, unwrapX25519 } from './x25519.js';

/**
 * The file key of a header, found with one of `identities`, and the header's MAC checked
 * with it. No identity matching, or a wrong passphrase: exit 2 (ENCRYPTION_KEY). A malformed
 * stanza or a MAC that does not match: exit 3 (ARCHIVE_TAMPERED).
 */
export async function unwrapFileKey(header: ParsedHeader, identities: readonly AgeIdentity[], location: string): Promise<Buffer> {
  const fileKey = await findFileKey(header, identities, location);
  if (!macMatches(fileKey, header)) throw ageCorrupt(location, 'its header MAC does not match: the header was altered');
  return fileKey;
}

async function findFileKey(header: ParsedHeader, identities: readonly AgeIdentity[], location: string): Promise<Buffer> {
  const { stanzas } = header;
  const fileKeyIdentity = identities.find((identity) => identity.kind === 'file-key');
  if (fileKeyIdentity) return fileKeyIdentity.fileKey;
  const scrypt = stanzas.filter((stanza) => stanza.type === 'scrypt');
  if (scrypt.length > 0) {
    // A passphrase file is encrypted to the passphrase alone (the spec): anything else is a crafted header.
    if (stanzas.length !== 1) throw ageCorrupt(location, 'its header mixes a passphrase (scrypt) stanza with others');
    const passphrases = identities.filter((identity) => identity.kind === 'scrypt');
    if (passphrases.length === 0) {
      throw keyProblem(`${location} is encrypted with a passphrase, and none was given`, 'give it in a file with --passphrase-file (or PGBAK_AGE_PASSPHRASE_FILE), or in PGBAK_AGE_PASSPHRASE');
    }
    for (const { passphrase } of passphrases) {
      const fileKey = await guarded(() => unwrapScrypt(scrypt[0]!, passphrase), location);
      if (fileKey !== null) return fileKey;
    }
    throw keyProblem(`cannot decrypt ${location}: the passphrase is not the one it was encrypted with`, 'check the passphrase file or PGBAK_AGE_PASSPHRASE');
  }
  const x25519 = stanzas.filter((stanza) => stanza.type === 'X25519');
  const keys = identities.filter((identity) => identity.kind === 'x25519');
  if (keys.length === 0) {
    throw keyProblem(`${location} is encrypted (age): an identity is needed to read it`, 'give the private key file with --identity FILE (or PGBAK_AGE_IDENTITY_FILE), as written by pgbak keygen or age-keygen');
  }
  for (const stanza of x25519) {
    for (const identity of keys) {
      const fileKey = await guarded(async () => unwrapX25519(stanza, identity), location);
      if (fileKey !== null) return fileKey;
    }
  }
  const mine = keys.map(identityRecipient).map(shortRecipient).join(', ');
  const others = stanzas.filter((stanza) => stanza.type !== 'X25519').map((stanza) => stanza.type);
  throw keyProblem(
    `cannot decrypt ${location}: no identity matches (it has ${x25519.length} X25519 recipient(s)${others.length > 0 ? ` and ${others.join(', ')}` : ''}; the identities given are for ${mine})`,
    'give the identity file whose public key the archive was encrypted to (--identity, PGBAK_AGE_IDENTITY_FILE)',
  );
}

async function guarded<T>(unwrap: () => Promise<T>, location: string): Promise<T> {
  try {
    return await unwrap();
  } catch (error) {
    throw ageCorrupt(location, (error as Error).message);
  }
}

/** `age1abcdefgh…wxyz`: enough to tell recipients apart in messages and plans. */
export function shortRecipient(recipient: string): string {
  return recipient.length > 20 ? `${recipient.slice(0, 12)}…${recipient.slice(-6)}` : recipient;
}
