// `manifest.json.sig`, the entry right after the manifest: a detached Ed25519 signature of
// the manifest's exact bytes. The manifest holds the sha256 of every entry, so checking
// the signature and then each entry read against its sha256 vouches for the whole backup.
// The manifest names the signing key's id (`signing`), never the signature: it cannot
// hold its own signature.
import { verify } from 'node:crypto';
import { KEY_ID_PATTERN } from './key-id.js';
import type { SigningKey } from '../../config/signing-key.js';
import type { VerifyKey } from './verify-keys.js';

/** Name of the signature entry inside the archive. */
export const SIGNATURE_ENTRY = 'manifest.json.sig';
/** The only algorithm pgbak signs with. */
export const SIGNATURE_ALGORITHM = 'ed25519';

/** The signature entry's content (small JSON). */
export interface SignatureFile {
  /** Format of this file; readers refuse one they do not know. */
  format: 1;
  algorithm: typeof SIGNATURE_ALGORITHM;
  /** The signing key's id, `sha256:<hex>` of its SPKI public key. */
  keyId: string;
  /** The entry signed (its exact bytes). */
  signed: string;
  /** The 64-byte Ed25519 signature, base64. */
  signature: string;
}

/** The signature entry for `manifest` (its exact bytes, as stored in the zip). */
export function signManifest(manifest: Buffer, key: SigningKey, signed = 'manifest.json'): Buffer {
  const file: SignatureFile = { format: 1, algorithm: SIGNATURE_ALGORITHM, keyId: key.keyId, signed, signature: key.sign(manifest).toString('base64') };
  return Buffer.from(`${JSON.stringify(file, null, 2)}\n`, 'utf8');
}

/** The outcome of checking an archive's signature. */
export type SignatureCheck =
  /** Made by one of the keys given, over these manifest bytes. */
  | { status: 'verified'; keyId: string }
  /** No keys given: nothing was checked; `keyId` is what the signature entry claims (unchecked). */
  | { status: 'not checked'; signed: boolean; keyId: string | null }
  /** Keys given and the archive fails: `reason` says how, `why` in one line. */
  | { status: 'refused'; reason: SignatureRefusal; why: string; keyId: string | null };

/**
 * Why a signature is refused. `not signed`: no signature entry. `malformed`: the entry
 * does not read (JSON, algorithm, base64). `other key`: signed by a key not given.
 * `mismatch`: the signature does not match the manifest's bytes (one or the other altered).
 */
export type SignatureRefusal = 'not signed' | 'malformed' | 'other key' | 'mismatch';

/**
 * Checks `signature` (the signature entry's bytes, null when the archive has none)
 * against the manifest's exact bytes and the keys given. With no keys, nothing is
 * checked and the result says whether the archive claims a signature.
 */
export function checkSignature(manifest: Buffer, signature: Buffer | null, keys: readonly VerifyKey[], signed = 'manifest.json'): SignatureCheck {
  if (keys.length === 0) {
    const parsed = signature === null ? null : parseSignature(signature, signed);
    return { status: 'not checked', signed: signature !== null, keyId: parsed !== null && 'keyId' in parsed ? parsed.keyId : null };
  }
  if (signature === null) return { status: 'refused', reason: 'not signed', why: `it is not signed (no ${SIGNATURE_ENTRY})`, keyId: null };
  const parsed = parseSignature(signature, signed);
  if ('problem' in parsed) return { status: 'refused', reason: 'malformed', why: `its ${SIGNATURE_ENTRY} is malformed: ${parsed.problem}`, keyId: null };
  // The key id in the entry is not signed: every key given is tried, whatever it claims.
  const bytes = Buffer.from(parsed.signature, 'base64');
  const match = keys.find(({ key }) => verify(null, manifest, key, bytes));
  if (match) return { status: 'verified', keyId: match.keyId };
  if (!keys.some((key) => key.keyId === parsed.keyId)) {
    const given = keys.map((key) => key.keyId).join(', ');
    return { status: 'refused', reason: 'other key', why: `it is signed by key ${parsed.keyId}, not by ${keys.length === 1 ? 'the key' : 'any of the keys'} given (${given})`, keyId: parsed.keyId };
  }
  return { status: 'refused', reason: 'mismatch', why: `its signature does not match ${signed} (key ${parsed.keyId}): the manifest or the signature was altered after signing`, keyId: parsed.keyId };
}

const BASE64_ED25519 = /^[A-Za-z0-9+/]{86}==$/;
const MAX_SIGNATURE_BYTES = 4096;

/** The signature entry's fields, or what is wrong with it (one phrase, no content echoed beyond short fields). */
export function parseSignature(bytes: Buffer, signed = 'manifest.json'): SignatureFile | { problem: string } {
  if (bytes.length > MAX_SIGNATURE_BYTES) return { problem: `${bytes.length} bytes, more than a signature needs` };
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { problem: 'not JSON' };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { problem: 'not a JSON object' };
  const file = json as Record<string, unknown>;
  if (file.format !== 1) return { problem: `format ${short(file.format)}, this pgbak reads format 1` };
  if (file.algorithm !== SIGNATURE_ALGORITHM) return { problem: `algorithm ${short(file.algorithm)}, this pgbak checks ${SIGNATURE_ALGORITHM} only` };
  if (typeof file.keyId !== 'string' || !KEY_ID_PATTERN.test(file.keyId)) return { problem: 'keyId is not sha256:<64 hex digits>' };
  if (file.signed !== signed) return { problem: `it signs ${short(file.signed)}, not ${signed}` };
  if (typeof file.signature !== 'string' || !BASE64_ED25519.test(file.signature)) return { problem: 'signature is not 64 bytes in base64' };
  return { format: 1, algorithm: SIGNATURE_ALGORITHM, keyId: file.keyId, signed, signature: file.signature };
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
