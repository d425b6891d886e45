import { randomBytes } from 'node:crypto';
import { rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createPrivateFile, syncDirectory } from '../archive/atomic-file.js';
import { outputNotWritable } from '../archive/output-error.js';
import type { Mismatch } from './compare-facts.js';

/** `<zip>.verified.json`: the last verification of an archive, read by `list`, `prune` and `status`. */
export interface VerifiedRecord {
  /** Absolute path of the archive verified. */
  archive: string;
  /** Size of the zip when it was verified: a different size means another file. */
  archiveBytes: number;
  /** When the verification finished, ISO 8601 UTC. */
  verifiedAt: string;
  /** True when every compared fact matched. */
  ok: boolean;
  /** Where the scratch databases were restored. */
  server: { host: string; port: number; user: string; version: string };
  /** Every difference found (empty when ok). */
  mismatches: Mismatch[];
  /** Why the verification failed, when a restore itself failed. */
  error?: string;
  pgbak: { version: string };
}

/** The record's path for an archive. */
export function verifiedRecordPath(archive: string): string {
  return `${archive}.verified.json`;
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
