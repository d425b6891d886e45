import type { BackupRepository } from '../storage/index.js';
import { verificationPath } from './verification.js';
import { BACKUP_META_SUFFIX } from './backup-meta.js';

/**
 * The names that go with an archive: its run log, its verification record and its
 * checksum (`<zip>.sha256`, written beside an uploaded zip). Nothing else is ever deleted.
 */
export function sidecarNames(archive: string, kind: BackupRepository['kind']): string[] {
  const local = [archive.replace(/\.zip(\.age)?$/, '.log'), verificationPath(archive), ...(archive.endsWith('.age') ? [`${archive}${BACKUP_META_SUFFIX}`] : [])];
  // `.sha256` is the uploaded zip's (S3 only); one in a folder may be someone else's.
  return kind === 's3' ? [...local, `${archive}.sha256`] : local;
}

/** What became of one backup: the objects removed, or why it (or part of it) could not be. */
export type RemovedBackup = { removed: string[]; error?: undefined } | { removed: string[]; error: string };

/**
 * Deletes backups (named by their zip) from a repository: every zip first, in as few
 * requests as the storage allows (once a zip is gone its backup is gone), then the
 * sidecars of the zips that went, among the names the listing found (`present`). A
 * failure is reported per backup, one line naming the object; the others still go.
 */
export async function removeBackups(repository: BackupRepository, archives: readonly string[], present: readonly string[]): Promise<Map<string, RemovedBackup>> {
  const results = new Map<string, RemovedBackup>();
  const gone: string[] = [];
  for (const outcome of await repository.deleteMany(archives)) {
    if (outcome.error === null) gone.push(outcome.name);
    else results.set(outcome.name, { removed: [], error: `cannot remove ${repository.locate(outcome.name)}: ${outcome.error}` });
  }
  const listed = new Set(present);
  const sidecars = new Map(gone.map((archive) => [archive, sidecarNames(archive, repository.kind).filter((name) => listed.has(name))]));
  const outcomes = new Map((await repository.deleteMany([...sidecars.values()].flat())).map((outcome) => [outcome.name, outcome.error]));
  for (const archive of gone) {
    const removed = [repository.locate(archive)];
    let error: string | undefined;
    for (const name of sidecars.get(archive)!) {
      const failed = outcomes.get(name);
      if (failed === null || failed === undefined) removed.push(repository.locate(name));
      else error ??= `cannot remove ${repository.locate(name)}: ${failed}`;
    }
    results.set(archive, error === undefined ? { removed } : { removed, error: `${error} (already removed: ${removed.join(', ')})` });
  }
  return results;
}
