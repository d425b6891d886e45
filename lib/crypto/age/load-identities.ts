import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Env } from '../../config/env-file.js';
import { keyProblem } from './errors.js';
import { parseIdentities, passphraseFromFile, type AgeIdentity } from './keys.js';

/** Where the keys that open an encrypted archive come from: flags, else the environment. */
export interface DecryptionKeys {
  /** `--identity FILE` (else PGBAK_AGE_IDENTITY_FILE): age identities, as age-keygen and pgbak keygen write them. */
  identityFile?: string | undefined;
  /** `--passphrase-file FILE` (else PGBAK_AGE_PASSPHRASE_FILE, else PGBAK_AGE_PASSPHRASE): for archives encrypted to a passphrase. */
  passphraseFile?: string | undefined;
  /** The file key itself: `run --verify` reads back the archive it just wrote. */
  fileKey?: Buffer | undefined;
}

/**
 * The identities to open an encrypted archive with. Read only when an archive is
 * encrypted; a key file that cannot be read or holds a bad line is exit 2, naming the
 * file and the line, never its content.
 */
export async function loadIdentities(keys: DecryptionKeys, env: Env, cwd = process.cwd()): Promise<AgeIdentity[]> {
  const identities: AgeIdentity[] = [];
  if (keys.fileKey) identities.push({ kind: 'file-key', fileKey: keys.fileKey });
  const identityFile = keys.identityFile ?? nonEmpty(env.PGBAK_AGE_IDENTITY_FILE);
  if (identityFile !== undefined) {
    const file = resolve(cwd, identityFile);
    const parsed = parseIdentities((await readKeyFile(file, 'identity file')).toString('utf8'));
    const problem = parsed.problems[0];
    if (problem) throw keyProblem(`identity file ${file}, line ${problem.line}: ${problem.reason}`, 'give an age identity file (AGE-SECRET-KEY-1… lines, as pgbak keygen or age-keygen write)');
    if (parsed.identities.length === 0) throw keyProblem(`identity file ${file} holds no identity`, 'give an age identity file (AGE-SECRET-KEY-1… lines, as pgbak keygen or age-keygen write)');
    identities.push(...parsed.identities);
  }
  const passphraseFile = keys.passphraseFile ?? nonEmpty(env.PGBAK_AGE_PASSPHRASE_FILE);
  if (passphraseFile !== undefined) {
    const file = resolve(cwd, passphraseFile);
    identities.push({ kind: 'scrypt', passphrase: passphraseFromFile(await readKeyFile(file, 'passphrase file')) });
  } else if (nonEmpty(env.PGBAK_AGE_PASSPHRASE) !== undefined) {
    identities.push({ kind: 'scrypt', passphrase: Buffer.from(env.PGBAK_AGE_PASSPHRASE!, 'utf8') });
  }
  return identities;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

async function readKeyFile(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw keyProblem(`cannot read the ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'check the path and that this user may read it');
  }
}
