// age (age-encryption.org/v1) on node's own crypto: X25519, HKDF-SHA-256, ChaCha20-Poly1305,
// HMAC-SHA-256 and scrypt. Own code rather than a pure-JS library, because node's cipher runs
// at memory speed (BENCHMARKS.md); tested byte for byte against the `age` command.
export { startAgeEncryption, type AgeEncryption } from './encrypt.js';
export { AgeDecryptingSource } from './decrypt-source.js';
export {
  describeRecipientProblem,
  parseIdentities,
  parseRecipients,
  passphraseFromFile,
  type AgeIdentity,
  type AgeRecipient,
  type FileKeyIdentity,
  type KeyLineProblem,
  type PassphraseKey,
} from './keys.js';
export { generateX25519, identityRecipient, parseX25519Recipient, type X25519Identity, type X25519Recipient } from './x25519.js';
export { shortRecipient } from './unwrap.js';
export { SCRYPT_MAX_WORK_FACTOR, SCRYPT_WORK_FACTOR } from './scrypt.js';
export { CHUNK_SIZE, SEALED_CHUNK_SIZE } from './payload.js';
export { EncryptingSink } from './encrypting-sink.js';
export { loadIdentities, type DecryptionKeys } from './load-identities.js';

/** Whether an archive's name says it is encrypted with age (`….zip.age`). */
export function isAgeEncrypted(location: string): boolean {
  return location.endsWith('.age');
}
export { openDecrypted } from './open-decrypted.js';
