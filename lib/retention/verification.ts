import { readFile } from 'node:fs/promises';
import { isPgbakError } from '../errors.js';
import type { BackupRepository } from '../storage/index.js';

/** What `pgbak verify` recorded beside an archive (`<zip>.verified.json`). */
export interface Verification {
  /** Whether the restore test passed. */
  ok: boolean;
  /** Set when verification could not run (server down, bad password…): why. `ok` is then false but says nothing about the backup. */
  notVerified?: string;
  /** When it ran, ISO 8601 UTC; null when the record does not say. */
  verifiedAt: string | null;
}

/** The record's path for an archive. */
export function verificationPath(archive: string): string {
  return `${archive}.verified.json`;
}

/**
 * Reads `<zip>.verified.json` (written by `pgbak verify`). Absent → null. A record that cannot be read or makes
 * no sense counts as "not verified" (null) with a note: verification is only ever
 * claimed when the record says `ok: true`.
 */
export async function readVerification(archive: string, archiveBytes?: number): Promise<{ verification: Verification | null; problem?: string }> {
  const path = verificationPath(archive);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { verification: null };
    return { verification: null, problem: `cannot read ${path}: ${(error as Error).message}` };
  }
  return parseVerification(text, path, archiveBytes);
}

/** The same as {@link readVerification} for the archive `name` in a repository (a folder, a bucket). */
export async function readVerificationIn(repository: BackupRepository, name: string, archiveBytes?: number): Promise<{ verification: Verification | null; problem?: string }> {
  const record = verificationPath(name);
  const path = repository.locate(record);
  let text: string | null;
  try {
    text = await repository.readSmall(record);
  } catch (error) {
    if (isPgbakError(error)) return { verification: null, problem: error.message };
    return { verification: null, problem: `cannot read ${path}: ${(error as Error).message}` };
  }
  return text === null ? { verification: null } : parseVerification(text, path, archiveBytes);
}

function parseVerification(text: string, path: string, archiveBytes: number | undefined): { verification: Verification | null; problem?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { verification: null, problem: `${path} is not JSON` };
  }
  const record = json as { ok?: unknown; outcome?: unknown; error?: unknown; verifiedAt?: unknown; archiveBytes?: unknown } | null;
  if (typeof record !== 'object' || record === null || typeof record.ok !== 'boolean') {
    return { verification: null, problem: `${path} has no boolean "ok"` };
  }
  // verify records the zip's size: a record left beside another file says nothing about it.
  if (typeof record.archiveBytes === 'number' && archiveBytes !== undefined && record.archiveBytes !== archiveBytes) {
    return { verification: null, problem: `${path} is for a file of ${record.archiveBytes} bytes, not this ${archiveBytes}-byte archive` };
  }
  const at = typeof record.verifiedAt === 'string' && !Number.isNaN(Date.parse(record.verifiedAt)) ? record.verifiedAt : null;
  if (record.outcome === 'not verified') {
    return { verification: { ok: false, notVerified: typeof record.error === 'string' ? record.error : 'verification could not run', verifiedAt: at } };
  }
  return { verification: { ok: record.ok, verifiedAt: at } };
}
