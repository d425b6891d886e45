import type { Argv } from 'yargs';
import type { DecryptionKeys } from '../crypto/age/index.js';

/** Flags that open an archive encrypted with age (`.zip.age`). */
export interface KeyArgs {
  identity?: string;
  'passphrase-file'?: string;
}

/** `--identity` and `--passphrase-file` of restore, verify and compare. */
export function withKeyOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('identity', { alias: 'i', type: 'string', describe: 'age identity file for a .zip.age archive (default PGBAK_AGE_IDENTITY_FILE)', group: 'Encryption:' })
    .option('passphrase-file', { type: 'string', describe: 'passphrase file for a .zip.age archive encrypted to a passphrase (default PGBAK_AGE_PASSPHRASE_FILE, PGBAK_AGE_PASSPHRASE)', group: 'Encryption:' });
}

/** The keys the flags name; the environment's are read where the archive is opened. */
export function keysOf(args: KeyArgs): DecryptionKeys {
  return { identityFile: args.identity, passphraseFile: args['passphrase-file'] };
}
