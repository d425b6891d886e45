import type { Manifest } from '../archive/index.js';
import { isAgeEncrypted } from '../crypto/age/index.js';
import { PgbakError } from '../errors.js';
import { BACKUP_META_SUFFIX, buildBackupMeta, type BackupMeta } from '../retention/backup-meta.js';
import { readBeside, type ArchivePlace } from './archive-place.js';

/**
 * An encrypted archive's `<archive>.meta.json` (what list, status and prune believe without
 * a key) must say what the manifest inside says. Read with an identity, the two are compared:
 * a record that disagrees was altered or belongs to another archive (exit 3).
 */
export async function checkMetaAgrees(place: ArchivePlace, manifest: Manifest): Promise<void> {
  if (!isAgeEncrypted(place.location)) return;
  const text = await readBeside(place, BACKUP_META_SUFFIX);
  if (text === null) return;
  let meta: Partial<BackupMeta>;
  try {
    meta = JSON.parse(text) as Partial<BackupMeta>;
  } catch {
    throw disagrees(place, 'it is not JSON');
  }
  const expected = buildBackupMeta(manifest, '', { bytes: 0, sha256: '' });
  const fields = ['startedAt', 'finishedAt', 'databases', 'allDatabases', 'fleet', 'profile', 'source', 'steps'] as const;
  const differing = fields.filter((field) => JSON.stringify(meta[field]) !== JSON.stringify(expected[field]));
  if (differing.length > 0) throw disagrees(place, `${differing.join(', ')} differ from the manifest inside`);
}

function disagrees(place: ArchivePlace, why: string): PgbakError {
  return new PgbakError('ARCHIVE_TAMPERED', `${place.location}${BACKUP_META_SUFFIX} does not describe the archive beside it: ${why}`, {
    hint: 'the record list, status and prune read was altered or belongs to another archive; check both before trusting either',
  });
}
