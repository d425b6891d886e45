// The X25519 recipient type: `age1…` recipients, `AGE-SECRET-KEY-1…` identities.
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { bech32 } from '@scure/base';
import { open, seal, ZERO_NONCE } from './aead.js';
import { decodeRaw, encodeRaw } from './base64.js';
import type { Stanza } from './header.js';

const LABEL = 'age-encryption.org/v1/X25519';
const RECIPIENT_HRP = 'age';
const IDENTITY_HRP = 'age-secret-key-';
// DER prefixes of an X25519 key (RFC 8410): node imports raw keys through them.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** A public key files are encrypted to. */
export interface X25519Recipient {
  kind: 'x25519';
  publicKey: Buffer;
  /** `age1…`. */
  text: string;
}

/** A private key that opens what was encrypted to its recipient. */
export interface X25519Identity {
  kind: 'x25519';
  privateKey: KeyObject;
  publicKey: Buffer;
}

/** `age1…` as a recipient; null when it is not one (wrong prefix, checksum, length). */
export function parseX25519Recipient(text: string): X25519Recipient | null {
  if (!text.startsWith('age1') || text !== text.toLowerCase()) return null;
  const bytes = decodeBech32(text, RECIPIENT_HRP);
  return bytes === null ? null : { kind: 'x25519', publicKey: bytes, text };
}

/** `AGE-SECRET-KEY-1…` as an identity; null when it is not one. */
export function parseX25519Identity(text: string): X25519Identity | null {
  if (!text.startsWith('AGE-SECRET-KEY-1') || text !== text.toUpperCase()) return null;
  const bytes = decodeBech32(text, IDENTITY_HRP);
  return bytes === null ? null : identityFromBytes(bytes);
}

function decodeBech32(text: string, hrp: string): Buffer | null {
  try {
    const decoded = bech32.decode(text as `${string}1${string}`, 100);
    if (decoded.prefix !== hrp) return null;
    const bytes = Buffer.from(bech32.fromWords(decoded.words));
    return bytes.length === 32 ? bytes : null;
  } catch {
    return null;
  }
}

function identityFromBytes(secret: Buffer): X25519Identity {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  return { kind: 'x25519', privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)) };
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

function publicKeyObject(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** A new identity: the `AGE-SECRET-KEY-1…` line and its `age1…` recipient. */
export function generateX25519(): { identity: string; recipient: string } {
  const { privateKey } = generateKeyPairSync('x25519');
  const secret = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  return {
    identity: bech32.encode(IDENTITY_HRP, bech32.toWords(secret), 100).toUpperCase(),
    recipient: recipientText(publicKey),
  };
}

/** The `age1…` text of a raw public key. */
export function recipientText(publicKey: Buffer): string {
  return bech32.encode(RECIPIENT_HRP, bech32.toWords(publicKey), 100);
}

/** The identity's recipient, as `age1…`. */
export function identityRecipient(identity: X25519Identity): string {
  return recipientText(identity.publicKey);
}

function sharedSecret(privateKey: KeyObject, publicKey: Buffer): Buffer | null {
  try {
    const shared = diffieHellman({ privateKey, publicKey: publicKeyObject(publicKey) });
    // A low-order point gives all zeros; the spec says refuse it (OpenSSL may already have).
    return shared.every((byte) => byte === 0) ? null : shared;
  } catch {
    return null;
  }
}

function wrapKey(shared: Buffer, ephemeralShare: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeralShare, recipient]), LABEL, 32));
}

/** The stanza that gives `recipient` the file key: an ephemeral share and the wrapped key. */
export function wrapX25519(recipient: X25519Recipient, fileKey: Buffer): Stanza {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const share = rawPublicKey(publicKey);
  const shared = sharedSecret(privateKey, recipient.publicKey);
  if (shared === null) throw new Error(`${recipient.text} is not a usable X25519 public key`);
  return { type: 'X25519', args: [encodeRaw(share)], body: seal(wrapKey(shared, share, recipient.publicKey), ZERO_NONCE, fileKey) };
}

/**
 * The file key from an X25519 stanza when it was made for `identity`; null when it was
 * made for another key. Throws for a malformed stanza (the file is broken, not foreign).
 */
export function unwrapX25519(stanza: Stanza, identity: X25519Identity): Buffer | null {
  const share = stanza.args.length === 1 ? decodeRaw(stanza.args[0]!) : null;
  if (share === null || share.length !== 32) throw new Error('an X25519 stanza has a malformed share');
  if (stanza.body.length !== 32) throw new Error('an X25519 stanza has a body of the wrong size');
  const shared = sharedSecret(identity.privateKey, share);
  if (shared === null) throw new Error('an X25519 stanza has a low-order share');
  return open(wrapKey(shared, share, identity.publicKey), ZERO_NONCE, stanza.body);
}
