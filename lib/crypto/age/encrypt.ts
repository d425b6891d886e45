import { randomBytes } from 'node:crypto';
import { writeHeader, type Stanza } from './header.js';
import type { AgeRecipient } from './keys.js';
import { PayloadEncryptor } from './payload.js';
import { wrapScrypt } from './scrypt.js';
import { wrapX25519 } from './x25519.js';

/** An age encryption under way: a Transform from plaintext to the age file, and its file key. */
export interface AgeEncryption {
  stream: PayloadEncryptor;
  /** The random key of this one file: lets the run read back what it wrote (`run --verify`); never stored. */
  fileKey: Buffer;
}

/**
 * Starts an age file to `recipients`: X25519 public keys, or one passphrase (scrypt,
 * alone as the spec requires). The header is the first thing the stream emits.
 */
export async function startAgeEncryption(recipients: readonly AgeRecipient[]): Promise<AgeEncryption> {
  if (recipients.length === 0) throw new Error('age encryption needs at least one recipient');
  if (recipients.some((r) => r.kind === 'scrypt') && recipients.length > 1) throw new Error('a passphrase cannot be combined with other recipients');
  const fileKey = randomBytes(16);
  const stanzas: Stanza[] = [];
  for (const recipient of recipients) {
    stanzas.push(recipient.kind === 'scrypt' ? await wrapScrypt(recipient.passphrase, fileKey) : wrapX25519(recipient, fileKey));
  }
  return { stream: new PayloadEncryptor(fileKey, writeHeader(stanzas, fileKey)), fileKey };
}
