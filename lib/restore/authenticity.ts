// Whether restore, verify and list check who made an archive: with verify keys
// (`--verify-key`, repeatable, or PGBAK_VERIFY_KEY_FILE), the manifest's signature must be
// one of theirs; without, each command says "authenticity not checked".
import { resolve } from 'node:path';
import type { Env } from '../config/env-file.js';
import { readVerifyKeys, type VerifyKey } from '../crypto/signing/index.js';
import type { PgbakLogger } from '../log/index.js';
import type { OpenedArchive } from './open-archive.js';

/** The verify keys a command was given: `--verify-key` files (relative to cwd), else PGBAK_VERIFY_KEY_FILE, else none. */
export async function loadVerifyKeys(files: readonly string[] | undefined, env: Env, cwd: string): Promise<VerifyKey[]> {
  if (files !== undefined && files.length > 0) return readVerifyKeys(files.map((file) => resolve(cwd, file)), '--verify-key');
  if (env.PGBAK_VERIFY_KEY_FILE) return readVerifyKeys([resolve(cwd, env.PGBAK_VERIFY_KEY_FILE)], 'PGBAK_VERIFY_KEY_FILE');
  return [];
}

/** What `--json` and the verification record say about authenticity. */
export interface Authenticity {
  /** `verified`: signed by a key given; `not checked`: no key was given. (A refused signature is an error, exit 3.) */
  authenticity: 'verified' | 'not checked';
  /** Whether the archive carries a signature entry. */
  signed: boolean;
  /** The key that signed: checked when verified, as the signature entry claims it otherwise; null when unsigned. */
  signedBy: string | null;
}

export function authenticityOf(signature: OpenedArchive['signature']): Authenticity {
  return signature.status === 'verified'
    ? { authenticity: 'verified', signed: true, signedBy: signature.keyId }
    : { authenticity: 'not checked', signed: signature.signed, signedBy: signature.keyId };
}

/** One line for the log: the signature verified, or the warning that authenticity was not checked. */
export function reportAuthenticity(signature: OpenedArchive['signature'], logger: PgbakLogger): void {
  if (signature.status === 'verified') {
    logger.info(`signature verified: the manifest was signed by key ${signature.keyId}`);
    return;
  }
  logger.warn(
    signature.signed
      ? `authenticity not checked: the archive is signed${signature.keyId ? ` by key ${signature.keyId}` : ''}, but no --verify-key was given`
      : 'authenticity not checked: the archive is not signed (and no --verify-key was given)',
  );
}
