import { basename, dirname } from 'node:path';
import type { Manifest } from '../archive/index.js';
import { PgbakError, toPgbakError } from '../errors.js';
import type { PgbakLogger } from '../log/index.js';
import { BACKUP_META_SUFFIX, buildBackupMeta } from '../retention/backup-meta.js';
import { FolderRepository, openS3Repository, type CommittedArchive } from '../storage/index.js';
import type { Env } from '../config/env-file.js';
import type { RunFiles } from './run-files.js';

/**
 * Writes `<archive>.meta.json` beside every copy of an encrypted archive once it is
 * committed: the record list, status and prune read where only the recipient is (see
 * retention/backup-meta.ts). Without it the archive is no backup to them, so failing to
 * write it fails the run; the archive itself is complete and says so in the error.
 */
export async function writeBackupMetas(files: RunFiles, manifest: Manifest, finished: CommittedArchive, env: Env, logger: PgbakLogger): Promise<void> {
  const copies = finished.copies ?? [finished];
  for (const copy of copies) {
    const remote = files.remote.indexOf(copy.location);
    const name = remote >= 0 ? copy.location.slice(copy.location.lastIndexOf('/') + 1) : basename(copy.location);
    const body = `${JSON.stringify(buildBackupMeta(manifest, name, copy), null, 2)}\n`;
    const repository = remote >= 0 ? await openS3Repository(files.remoteStorage[remote]!, env) : new FolderRepository(dirname(copy.location));
    try {
      await repository.writeSmall(`${name}${BACKUP_META_SUFFIX}`, body);
      logger.verbose(`wrote ${repository.locate(`${name}${BACKUP_META_SUFFIX}`)} (what list, status and prune read of an encrypted backup)`);
    } catch (error) {
      throw new PgbakError('OUTPUT_NOT_WRITABLE', `the encrypted archive ${copy.location} is complete, but its record ${name}${BACKUP_META_SUFFIX} could not be written: ${toPgbakError(error).message}`, {
        hint: 'list, status and prune do not count it as a backup without that record; restore it with --identity, or rerun the backup',
        cause: error,
      });
    } finally {
      await repository.close();
    }
  }
}
