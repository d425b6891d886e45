// A profile's `encryption:`: the archive is encrypted with age as it streams, to X25519
// recipients (`age1…`, listed or in a file) or to a passphrase (a file, or an environment
// variable). Read and checked once, when the profile loads: a malformed recipient, an
// unreadable file or an empty passphrase is exit 2 naming the profile and the field.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as z from 'zod';
import { describeRecipientProblem, parseRecipients, parseX25519Recipient, type X25519Recipient } from '../crypto/age/index.js';
import { PgbakError } from '../errors.js';
import type { Env } from './env-file.js';
import { Secret } from './secret.js';

/** The environment variable a passphrase is read from unless the profile names another. */
export const DEFAULT_PASSPHRASE_ENV = 'PGBAK_AGE_PASSPHRASE';

/** `encryption:` of a profile. Recipients (a list and/or a file), or a passphrase (a file, or an environment variable). */
export const encryptionSchema = z
  .object({
    /** age X25519 recipients (`age1…`, public keys); every one of them can decrypt. */
    ageRecipients: z.array(z.string()).min(1).optional(),
    /** A file of recipients, one per line, `#` comments (as `age -R` reads; `pgbak keygen` writes `age.pub`). */
    ageRecipientsFile: z.string().min(1).optional(),
    /** A file holding the passphrase (scrypt, as `age -p`); one trailing newline is not part of it. */
    passphraseFile: z.string().min(1).optional(),
    /** The environment variable holding the passphrase (`PGBAK_AGE_PASSPHRASE` when set to true). */
    passphraseEnv: z.union([z.literal(true), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')]).optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const recipients = value.ageRecipients !== undefined || value.ageRecipientsFile !== undefined;
    const passphrases = [value.passphraseFile, value.passphraseEnv].filter((v) => v !== undefined).length;
    if (passphrases > 1) ctx.addIssue({ code: 'custom', message: 'give the passphrase once: passphraseFile or passphraseEnv' });
    if (recipients && passphrases > 0) {
      ctx.addIssue({ code: 'custom', message: 'a passphrase cannot be combined with recipients (age encrypts to one or the other)' });
    }
    if (!recipients && passphrases === 0) {
      ctx.addIssue({ code: 'custom', message: 'say what to encrypt to: ageRecipients, ageRecipientsFile, passphraseFile or passphraseEnv' });
    }
    value.ageRecipients?.forEach((text, index) => {
      if (parseX25519Recipient(text.trim()) === null) ctx.addIssue({ code: 'custom', path: ['ageRecipients', index], message: describeRecipientProblem(text.trim()) });
    });
  });

export type EncryptionSettings = z.infer<typeof encryptionSchema>;

/** The encryption a run uses, keys read. The passphrase is a {@link Secret}: never printed. */
export type Encryption =
  /** `age1…` texts, checked (plain strings: the config is deep-frozen, and a Buffer cannot be). */
  | { kind: 'age-recipients'; recipients: readonly string[] }
  | { kind: 'age-passphrase'; passphrase: Secret; source: string };

/**
 * Reads what `encryption:` points to: the recipients file, the passphrase file or
 * variable. Relative files are read from the profile's folder. `where` names the profile
 * in errors (its file).
 */
export async function resolveEncryption(settings: EncryptionSettings | undefined, options: { env: Env; profileDir: string; where: string }): Promise<Encryption | null> {
  if (settings === undefined) return null;
  const { where, env } = options;
  if (settings.passphraseFile !== undefined) {
    const file = resolve(options.profileDir, settings.passphraseFile);
    const text = await readKeyFile(file, `${where}: encryption.passphraseFile`);
    let end = text.length;
    if (text.endsWith('\n')) end--;
    if (text.slice(0, end).endsWith('\r')) end--;
    if (end === 0) throw invalid(`${where}: encryption.passphraseFile ${file} is empty`, 'write the passphrase into it (one line)');
    return { kind: 'age-passphrase', passphrase: new Secret(text.slice(0, end)), source: `file ${file}` };
  }
  if (settings.passphraseEnv !== undefined) {
    const name = settings.passphraseEnv === true ? DEFAULT_PASSPHRASE_ENV : settings.passphraseEnv;
    const value = env[name];
    if (value === undefined || value === '') {
      throw invalid(`${where}: encryption.passphraseEnv: ${name} is not set or empty`, `export ${name} (or put it in the env file) before the run`);
    }
    return { kind: 'age-passphrase', passphrase: new Secret(value), source: `environment ${name}` };
  }
  const recipients: X25519Recipient[] = [];
  for (const text of settings.ageRecipients ?? []) recipients.push(parseX25519Recipient(text.trim())!);
  if (settings.ageRecipientsFile !== undefined) {
    const file = resolve(options.profileDir, settings.ageRecipientsFile);
    const parsed = parseRecipients(await readKeyFile(file, `${where}: encryption.ageRecipientsFile`));
    const problem = parsed.problems[0];
    if (problem !== undefined) {
      throw invalid(`${where}: encryption.ageRecipientsFile ${file}, line ${problem.line}: ${problem.reason}`, 'one age1… recipient per line; # starts a comment');
    }
    if (parsed.recipients.length === 0) throw invalid(`${where}: encryption.ageRecipientsFile ${file} holds no recipient`, 'one age1… recipient per line (pgbak keygen writes age.pub)');
    recipients.push(...parsed.recipients);
  }
  return { kind: 'age-recipients', recipients: [...new Set(recipients.map((r) => r.text))] };
}

async function readKeyFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw invalid(`${what}: cannot read ${file} (${code})`, 'check the path (relative paths are read from the profile\'s folder) and its permissions');
  }
}

function invalid(message: string, hint: string): PgbakError {
  return new PgbakError('PROFILE_INVALID', message, { hint });
}
