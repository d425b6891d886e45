import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createPrivateFile, syncDirectory } from '../archive/atomic-file.js';
import { outputNotWritable } from '../archive/output-error.js';
import type { ArchivePlace } from './archive-place.js';
import type { Mismatch } from './compare-facts.js';

/**
 * What a verification concluded. `verified`: every compared fact matched.
 * `failed`: a verdict on the backup — it is damaged, does not restore, or differs
 * from its manifest. `not verified`: verification could not run (the server, the
 * credentials, the scratch database, the tools): no verdict on the backup.
 */
export type VerifyOutcome = 'verified' | 'failed' | 'not verified';

/** `<zip>.verified.json`: the last verification of an archive, read by `list`, `prune` and `status`. */
export interface VerifiedRecord {
  /** Absolute path of the archive verified, or `s3://bucket/key` for an object in a bucket. */
  archive: string;
  /** Size of the zip when it was verified: a different size means another file. */
  archiveBytes: number;
  /** When the verification finished (or gave up), ISO 8601 UTC. */
  verifiedAt: string;
  /** True when every compared fact matched (`outcome` is `verified`). */
  ok: boolean;
  outcome: VerifyOutcome;
  /** Where the scratch databases were restored; null when no server was reached (a damaged archive, a bad configuration). */
  server: { host: string; port: number; user: string; version: string | null } | null;
  /** Every difference found (empty when ok). */
  mismatches: Mismatch[];
  /** Why the backup failed (damaged, a restore failed) or why it could not be verified. */
  error?: string;
  /**
   * The manifest's signature: `verified` by a `--verify-key`, `not checked` (no key given),
   * `refused` (a key was given and the signature is missing, malformed, another key's or
   * does not match). Absent when verification stopped before the archive was opened, and
   * in records of an older pgbak.
   */
  authenticity?: 'verified' | 'not checked' | 'refused';
  /** The key id that signed (checked only when `verified`); null when unsigned. */
  signedBy?: string | null;
  pgbak: { version: string };
}

/** The record's path for an archive (or its URL, beside an object in a bucket). */
export function verifiedRecordPath(archive: string): string {
  return `${archive}.verified.json`;
}

/**
 * Writes the record beside the archive it names, wherever that is: a local file
 * (atomically, see {@link writeVerifiedRecord}) or an object beside the backup in its
 * bucket (one PutObject: it appears whole or not at all). Returns where it went.
 */
export async function writeVerifiedRecordAt(place: ArchivePlace, record: Omit<VerifiedRecord, 'archive'>): Promise<string> {
  const full: VerifiedRecord = { archive: place.location, ...record };
  if (place.kind === 'local') return writeVerifiedRecord(full);
  const key = `${place.key}.verified.json`;
  await place.s3.putSmallObject(place.client, place.bucket, key, `${JSON.stringify(full, null, 2)}\n`);
  return `s3://${place.bucket}/${key}`;
}

/** Writes the record atomically (private temp file, fsync, rename), mode 0600. */
export async function writeVerifiedRecord(record: VerifiedRecord): Promise<string> {
  const path = verifiedRecordPath(record.archive);
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await createPrivateFile(draft);
    try {
      await handle.writeFile(`${JSON.stringify(record, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(draft, path);
    await syncDirectory(dirname(path));
    return path;
  } catch (error) {
    await unlink(draft).catch(() => undefined);
    throw outputNotWritable(dirname(path), error);
  }
}

/**
 * The verdict an existing record holds for this archive (same size), if any: a
 * verification that could not run must not replace it.
 */
export async function readVerdict(place: ArchivePlace, archiveBytes: number): Promise<{ outcome: 'verified' | 'failed'; verifiedAt: string } | null> {
  let record: { ok?: unknown; outcome?: unknown; archiveBytes?: unknown; verifiedAt?: unknown };
  try {
    const text =
      place.kind === 'local'
        ? await readFile(verifiedRecordPath(place.location), 'utf8')
        : await place.s3.getSmallObject(place.client, place.bucket, `${place.key}.verified.json`);
    if (text === null) return null;
    record = JSON.parse(text) as typeof record;
  } catch {
    return null;
  }
  if (typeof record !== 'object' || record === null || record.archiveBytes !== archiveBytes || typeof record.ok !== 'boolean') return null;
  if (record.outcome === 'not verified') return null;
  return { outcome: record.ok ? 'verified' : 'failed', verifiedAt: typeof record.verifiedAt === 'string' ? record.verifiedAt : 'an earlier run' };
}
