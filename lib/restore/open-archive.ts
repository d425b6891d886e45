import { resolve } from 'node:path';
import {
  manifestEntries,
  MANIFEST_ENTRY,
  openZip,
  openZipSource,
  parseManifest,
  verifyEntries,
  type ExpectedEntry,
  type Manifest,
  type ZipReader,
} from '../archive/index.js';
import { archiveInvalid } from '../archive/archive-invalid.js';
import { checkSignature, SIGNATURE_ENTRY, type SignatureCheck, type VerifyKey } from '../crypto/signing/index.js';
import { PgbakError } from '../errors.js';
import type { Env } from '../config/env-file.js';
import type { PgbakLogger } from '../log/index.js';
import { isS3Location, openArchiveSource, type ArchiveSource } from '../storage/index.js';
import { isAgeEncrypted, openDecrypted, type DecryptionKeys } from '../crypto/age/index.js';

/** An archive whose manifest was read and, when asked, whose every entry matched its sha256. */
export interface OpenedArchive {
  path: string;
  reader: ZipReader;
  manifest: Manifest;
  /** The manifest's signature: `verified` by a key given, or `not checked` (no key given). */
  signature: Exclude<SignatureCheck, { status: 'refused' }>;
}

/**
 * Opens an archive — a path, `s3://bucket/key` (read by ranged GETs: the directory, the
 * manifest, the entries asked for), or a source already opened — and reads the manifest
 * first; then (with `check`) reads every dump entry and schema model through sha256
 * before anything else happens: a damaged or altered archive is refused as a whole, with
 * every bad entry named, and nothing has been touched yet. `check` may instead name the
 * entries to check (those a restore will read). The caller closes the reader (which
 * closes the source).
 */
export async function openArchive(
  where: string | ArchiveSource,
  options: {
    check: boolean | ((manifest: Manifest) => ExpectedEntry[]);
    logger?: PgbakLogger;
    env?: Env;
    /** Public keys the manifest must be signed by (any one of them); none: the signature is not checked. */
    verifyKeys?: readonly VerifyKey[];
    /** Identities or a passphrase for a `.zip.age` archive. */
    keys?: DecryptionKeys | undefined;
  },
): Promise<OpenedArchive> {
  const reader = await openReader(where, options.env ?? {}, options.keys ?? {});
  const path = reader.path;
  try {
    if (!reader.has(MANIFEST_ENTRY)) throw archiveInvalid(path, `it has no ${MANIFEST_ENTRY}: not written by pgbak, or unfinished`);
    const bytes = await reader.readBytes(MANIFEST_ENTRY);
    // Before the manifest is even parsed: with a key, nothing an altered manifest says is acted on.
    const signature = await readSignature(reader, bytes, options.verifyKeys ?? []);
    const manifest = parseManifest(bytes.toString('utf8'), path);
    const opened = { path, reader, manifest, signature };
    if (options.check === true) await checkEntries(opened, manifestEntries(manifest), options.logger);
    else if (options.check !== false) await checkEntries(opened, options.check(manifest), options.logger);
    return opened;
  } catch (error) {
    reader.close();
    throw error;
  }
}

/**
 * Checks the manifest's bytes against its signature entry and the keys given. A refusal
 * (missing, malformed, another key's, not matching) is SIGNATURE_INVALID, exit 3, its
 * `details` saying how; without keys nothing is refused.
 */
async function readSignature(reader: ZipReader, manifest: Buffer, keys: readonly VerifyKey[]): Promise<OpenedArchive['signature']> {
  let entry: Buffer | null = null;
  if (reader.has(SIGNATURE_ENTRY)) {
    try {
      entry = await reader.readBytes(SIGNATURE_ENTRY, { maxBytes: 64 * 1024 });
    } catch (error) {
      if (isStorageFailure(error)) throw error;
      // Unreadable (too large, bad deflate data): as good as malformed.
      entry = Buffer.from('unreadable');
    }
  }
  const check = checkSignature(manifest, entry, keys, MANIFEST_ENTRY);
  if (check.status === 'refused') throw signatureRefused(reader.path, check);
  return check;
}

/** The error for an archive whose signature is refused (exit 3); `details` says how, for --json and verify's record. */
export function signatureRefused(path: string, check: Extract<SignatureCheck, { status: 'refused' }>): PgbakError {
  const hint =
    check.reason === 'other key' ? 'give the signing.pub of the key these backups are signed with (--verify-key, repeat it while keys are rotated); nothing was restored'
    : check.reason === 'not signed' ? 'the archive carries no signature: it was written without profile signing, or the signature was removed; nothing was restored'
    : 'the archive is not what pgbak signed (damaged or altered): nothing was restored; use another backup';
  return new PgbakError('SIGNATURE_INVALID', `${path}: signature refused: ${check.why}`, {
    hint,
    details: { authenticity: 'refused', reason: check.reason, signedBy: check.keyId },
  });
}

async function openReader(where: string | ArchiveSource, env: Env, keys: DecryptionKeys): Promise<ZipReader> {
  const location = typeof where === 'string' ? where : where.location;
  if (isAgeEncrypted(location)) return openZipSource(await openDecrypted(where, env, keys));
  if (typeof where !== 'string') return openZipSource(where);
  if (!isS3Location(where)) return openZip(resolve(where));
  return openZipSource(await openArchiveSource(where, { env, cwd: '/' }));
}

/**
 * Reads `expected` entries through sha256; refuses the archive when one does not match.
 * A failure to read from the storage (S3 error, connection reset, I/O error) is thrown
 * as itself: it says nothing about the archive.
 */
export async function checkEntries(archive: OpenedArchive, expected: readonly ExpectedEntry[], logger?: PgbakLogger): Promise<void> {
  const started = Date.now();
  const bad = (await verifyEntries(archive.reader, expected, { rethrow: isStorageFailure })).filter((check) => !check.ok);
  if (bad.length > 0) {
    const shown = bad.slice(0, 3).map((check) => `${check.name}: ${check.reason}`).join('; ');
    const more = bad.length > 3 ? ` (and ${bad.length - 3} more)` : '';
    throw archiveInvalid(archive.path, `${bad.length} of ${expected.length} entries do not match the manifest: ${shown}${more}`, {
      hint: 'the archive is damaged or was altered; nothing was restored. Use another backup.',
    });
  }
  logger?.verbose(`${expected.length} entries match their sha256 (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/**
 * Checks `expected` entries as far as the zip's directory tells, without reading them:
 * each is there, of its recorded size (entries whose content is checked later, as it is read).
 */
export function checkListed(archive: OpenedArchive, expected: readonly ExpectedEntry[]): void {
  const listed = new Map(archive.reader.entries().map((entry) => [entry.name, entry.uncompressedSize]));
  const bad = expected.flatMap((want) => {
    const size = listed.get(want.name);
    if (size === undefined) return [`${want.name}: missing`];
    return size === want.bytes ? [] : [`${want.name}: size mismatch: ${size} bytes, expected ${want.bytes}`];
  });
  if (bad.length > 0) {
    const more = bad.length > 3 ? ` (and ${bad.length - 3} more)` : '';
    throw archiveInvalid(archive.path, `${bad.length} of ${expected.length} entries do not match the manifest: ${bad.slice(0, 3).join('; ')}${more}`, {
      hint: 'the archive is damaged or was altered; nothing was restored. Use another backup.',
    });
  }
}

/**
 * Whether an error came from the storage rather than from the bytes: an S3 service error
 * (it carries the SDK's `$metadata`), a system or network error (`syscall`), anywhere in
 * its chain of causes. Such a failure is no verdict on the archive.
 */
export function isStorageFailure(error: unknown): boolean {
  for (let e = error as { cause?: unknown; $metadata?: unknown; syscall?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (typeof e !== 'object') return false;
    if (e.$metadata !== undefined || typeof e.syscall === 'string') return true;
    // ECONNRESET of a dropped connection, ETIMEDOUT…: errno-style codes, never yauzl's content errors.
    if (typeof (e as { code?: unknown }).code === 'string' && /^E[A-Z]+$/.test((e as { code: string }).code)) return true;
  }
  return false;
}
