// `<archive>.meta.json`: the plaintext facts about an encrypted archive that a backup host
// holding only the recipient needs for list, status and prune (it cannot read the
// manifest inside). Written after the archive is committed, it is the encrypted archive's
// commit marker: a `.zip.age` without it is not a backup. Nothing secret goes in it: what
// list shows anyway (profile, databases, times), and the size and sha256 of the stored bytes.
import type { Manifest, ManifestFleet } from '../archive/index.js';

export const BACKUP_META_SUFFIX = '.meta.json';
const KIND = 'pgbak-backup-meta';
const VERSION = 1;

/** What `<archive>.meta.json` holds. */
export interface BackupMeta {
  kind: typeof KIND;
  formatVersion: typeof VERSION;
  /** The archive's file name (the object's name without its prefix). */
  archive: string;
  encrypted: 'age';
  /** The stored object: its bytes and their sha256 (of the ciphertext). */
  bytes: number;
  sha256: string;
  profile: { name: string; file: string };
  source: { database: string; host: string; server?: string };
  databases: string[];
  allDatabases: boolean;
  /** The manifest's `fleet` (an archive of a per-database run); absent otherwise. */
  fleet?: ManifestFleet;
  startedAt: string;
  finishedAt: string;
  steps: Array<{ name: string; kind: string; database: string | null }>;
}

/** The record of one stored copy of an encrypted archive. */
export function buildBackupMeta(manifest: Manifest, archive: string, stored: { bytes: number; sha256: string }): BackupMeta {
  const steps = manifest.steps.map((step) => ({ name: step.name, kind: step.kind, database: step.database }));
  const dumped = [...new Set(steps.flatMap((step) => (step.database === null ? [] : [step.database])))];
  return {
    kind: KIND,
    formatVersion: VERSION,
    archive,
    encrypted: 'age',
    bytes: stored.bytes,
    sha256: stored.sha256,
    profile: { name: manifest.profile.name, file: manifest.profile.file },
    source: { database: manifest.source.database, host: manifest.source.host, ...(manifest.source.server !== undefined && { server: manifest.source.server }) },
    databases: dumped.length > 0 ? dumped : [manifest.source.database],
    allDatabases: manifest.allDatabases === true,
    ...(manifest.fleet && { fleet: manifest.fleet }),
    startedAt: manifest.startedAt,
    finishedAt: manifest.finishedAt,
    steps,
  };
}

/** Reads a record; throws an Error saying what is wrong (the caller names the file). */
export function parseBackupMeta(text: string, archive: string, size: number): BackupMeta {
  let json: Partial<BackupMeta>;
  try {
    json = JSON.parse(text) as Partial<BackupMeta>;
  } catch {
    throw new Error('its .meta.json is not JSON');
  }
  const strings = [json.profile?.name, json.profile?.file, json.source?.database, json.startedAt, json.finishedAt, json.sha256];
  if (json.kind !== KIND || json.formatVersion !== VERSION || strings.some((s) => typeof s !== 'string') || !Array.isArray(json.databases) || !Array.isArray(json.steps)) {
    throw new Error('its .meta.json is not a pgbak backup record');
  }
  if (json.archive !== archive) throw new Error(`its .meta.json describes ${String(json.archive)}`);
  if (json.bytes !== size) throw new Error(`it is ${size} bytes, its .meta.json says ${String(json.bytes)}: incomplete or replaced`);
  if (Number.isNaN(Date.parse(json.startedAt!))) throw new Error('its .meta.json has no valid startedAt');
  return json as BackupMeta;
}
