import { PgbakError } from '../errors.js';
import { verifyArchive } from '../restore/index.js';
import type { RunContext } from './run-context.js';
import { s3ClientOptionsFor } from '../storage/index.js';
import type { RunFiles } from './run-files.js';

/**
 * run --verify: the backup just written is restored into a scratch database and
 * checked; a mismatch fails the run with exit 3 (and retention does not run). The
 * copies hold the same bytes, so one is read: the object in the bucket when there is
 * one (what a restore will read, and what the upload could have changed), else the
 * local file. The record goes beside every copy.
 */
export async function verifyWritten(run: RunContext, files: RunFiles): Promise<{ ok: true; record: string | null; records: string[] }> {
  const { logger } = run;
  const copies = [...files.remote, ...files.localCopies];
  const archive = copies[0];
  if (archive === undefined) throw new PgbakError('INTERNAL', 'the run wrote no copy to verify');
  const storage = files.remoteStorage[0];
  const s3Client = storage && (await import('../storage/s3/index.js')).s3ClientOptionsFromEnv(run.config.env);
  logger.info(`verifying ${archive}${copies.length > 1 ? ` (the same bytes as ${copies.slice(1).join(', ')})` : ''}`);
  const result = await verifyArchive({
    archive,
    copies: copies.slice(1),
    ...(storage && s3Client && { s3Client: s3ClientOptionsFor(storage, s3Client) }),
    connection: run.connection,
    config: run.config,
    // A signed run checks its own signature on the copy read back.
    ...(run.config.signing && { verifyKeys: [{ keyId: run.config.signing.keyId, key: run.config.signing.publicKey(), file: run.config.signing.keyFile }] }),
    logger,
    signal: run.signal,
    // An encrypted archive is read back with the file key it was just encrypted with: the
    // backup host needs no private key (it holds only the recipients).
    ...(files.fileKey && { keys: { fileKey: files.fileKey } }),
  });
  if (!result.ok) {
    const first = result.mismatches[0];
    throw new PgbakError('VERIFY_MISMATCH', `the backup was written but does not verify: ${result.mismatches.length} mismatch(es)${first ? `, first: ${first.check} of ${first.object}: expected ${first.expected}, found ${first.found}` : ''}`, {
      hint: `details in ${result.recordPath ?? archive}`,
    });
  }
  logger.info(`verified: row counts, sequences and large objects match the manifest`);
  return { ok: true as const, record: result.recordPath, records: result.recordPaths };
}
