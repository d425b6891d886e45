import { resolve } from 'node:path';
import { archiveInvalid } from '../../archive/archive-invalid.js';
import type { Env } from '../../config/env-file.js';
import { isS3Location, LocalFileSource, openArchiveSource, type ArchiveSource } from '../../storage/index.js';
import { AgeDecryptingSource } from './decrypt-source.js';
import { loadIdentities, type DecryptionKeys } from './load-identities.js';

/**
 * An archive encrypted with age (`.zip.age`), read as its plaintext zip: the keys first
 * (a missing or wrong one is exit 2 before anything else is read), then the ciphertext,
 * decrypted chunk by chunk as the zip reader asks for ranges.
 */
export async function openDecrypted(where: string | ArchiveSource, env: Env, keys: DecryptionKeys): Promise<ArchiveSource> {
  const identities = await loadIdentities(keys, env).catch(async (error: unknown) => {
    if (typeof where !== 'string') await where.close();
    throw error;
  });
  const source = typeof where !== 'string' ? where : isS3Location(where) ? await openArchiveSource(where, { env, cwd: '/' }) : await openLocal(where);
  return AgeDecryptingSource.open(source, identities);
}

async function openLocal(path: string): Promise<ArchiveSource> {
  try {
    return await LocalFileSource.open(resolve(path));
  } catch (error) {
    throw archiveInvalid(path, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message, { cause: error });
  }
}
