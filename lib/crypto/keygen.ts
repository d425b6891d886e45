// `pgbak keygen`: an age identity and an Ed25519 signing key pair, written so that nothing
// existing is ever replaced and nothing is half-written: every file goes to a private temp
// name first, then is hard-linked to its name (link() never replaces what is there); when
// one name is taken, the ones linked so far are removed again and the command fails.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { link, lstat, mkdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PgbakError } from '../errors.js';
import { createPrivateFile, isTaken } from '../private-fs.js';
import { generateX25519 } from './age/index.js';
import { signingKeyId } from './signing/index.js';

/** The files keygen writes, by role. */
export const KEY_FILES = { ageIdentity: 'age.key', ageRecipient: 'age.pub', signingKey: 'signing.key', signingPublicKey: 'signing.pub' } as const;

/** What keygen made: where, the age recipient, and the signing key's fingerprint (all public). */
export interface GeneratedKeys {
  dir: string;
  files: string[];
  /** `age1…`: the recipient to put in a profile's `encryption.ageRecipients`. */
  recipient: string;
  /** The signing key's id, `sha256:<hex>` of its SPKI public key: what signatures, manifests and `plan` show. */
  signingKeyId: string;
}

/**
 * Writes `age.key` (age-keygen's format), `age.pub`, `signing.key` (Ed25519, PKCS#8 PEM)
 * and `signing.pub` (SPKI PEM) into `outDir`, each 0600 and created exclusively; the
 * folder is made 0700 when missing. Any of the four names taken: exit 2, nothing written.
 */
export async function generateKeys(outDir: string, now = new Date()): Promise<GeneratedKeys> {
  const dir = resolve(outDir);
  await makeFolder(dir);
  const taken = [];
  for (const name of Object.values(KEY_FILES)) if (await isTaken(join(dir, name))) taken.push(name);
  if (taken.length > 0) {
    throw new PgbakError('USAGE', `${dir} already holds ${taken.join(', ')}: keygen never overwrites keys; nothing was written`, {
      hint: 'choose another --out folder, or move the old keys away first (archives encrypted to them need them to be read)',
    });
  }
  const age = generateX25519();
  const signing = generateKeyPairSync('ed25519');
  const signingPub = signing.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const contents: [string, string][] = [
    [KEY_FILES.ageIdentity, `# created: ${now.toISOString().replace(/\.\d{3}Z$/, 'Z')}\n# public key: ${age.recipient}\n${age.identity}\n`],
    [KEY_FILES.ageRecipient, `${age.recipient}\n`],
    [KEY_FILES.signingKey, signing.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()],
    [KEY_FILES.signingPublicKey, signingPub],
  ];
  await writeAllOrNothing(dir, contents);
  return { dir, files: contents.map(([name]) => join(dir, name)), recipient: age.recipient, signingKeyId: signingKeyId(createPublicKey(signingPub)) };
}

async function writeAllOrNothing(dir: string, contents: [string, string][]): Promise<void> {
  const tag = randomBytes(6).toString('hex');
  const temps: string[] = [];
  const linked: string[] = [];
  try {
    for (const [name, text] of contents) {
      const temp = join(dir, `.${name}.${tag}.tmp`);
      const handle = await createPrivateFile(temp);
      temps.push(temp);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (const [index, [name]] of contents.entries()) {
      const target = join(dir, name);
      await link(temps[index]!, target);
      linked.push(target);
    }
  } catch (error) {
    await Promise.all(linked.map((path) => unlink(path).catch(() => undefined)));
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new PgbakError('USAGE', `${dir}: a key file appeared while keygen was writing; nothing was written`, { hint: 'run keygen again with a folder nobody else writes to', cause: error });
    }
    throw new PgbakError('OUTPUT_NOT_WRITABLE', `cannot write keys into ${dir}: ${(error as Error).message}`, { hint: 'check that the folder is writable by this user', cause: error });
  } finally {
    await Promise.all(temps.map((path) => unlink(path).catch(() => undefined)));
  }
}

async function makeFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new PgbakError('OUTPUT_NOT_WRITABLE', `cannot create ${dir}: ${(error as Error).message}`, { hint: 'check the path and the permissions of its parent', cause: error });
  }
  const stats = await lstat(dir);
  if (!stats.isDirectory()) throw new PgbakError('USAGE', `${dir} is not a folder`, { hint: 'give --out a folder (created 0700 when missing)' });
}

