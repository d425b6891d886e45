// Recipients and identities as people write them: `age1…` lines in a recipients file,
// `AGE-SECRET-KEY-1…` lines in an identity file (age-keygen's output: `#` comments and
// blank lines allowed), a passphrase from a file or the environment.
import { parseX25519Identity, parseX25519Recipient, type X25519Identity, type X25519Recipient } from './x25519.js';

/** Who an archive is encrypted to. */
export type AgeRecipient = X25519Recipient | PassphraseKey;

/** What opens an archive. */
export type AgeIdentity = X25519Identity | PassphraseKey | FileKeyIdentity;

/** A passphrase (the scrypt recipient type); the same value locks and opens. */
export interface PassphraseKey {
  kind: 'scrypt';
  passphrase: Buffer;
}

/** The file key itself: a run that just encrypted an archive reads it back (`run --verify`) without a private key. */
export interface FileKeyIdentity {
  kind: 'file-key';
  fileKey: Buffer;
}

/** Why a line of a key file was refused: its 1-based number and what it holds (never the line: it may be a key). */
export interface KeyLineProblem {
  line: number;
  reason: string;
}

function keyLines(text: string): { line: number; text: string }[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: index + 1, text: line.replace(/\r$/, '').trim() }))
    .filter((entry) => entry.text !== '' && !entry.text.startsWith('#'));
}

/** The recipients of a recipients file (or a list); each bad line is one problem. */
export function parseRecipients(text: string): { recipients: X25519Recipient[]; problems: KeyLineProblem[] } {
  const recipients: X25519Recipient[] = [];
  const problems: KeyLineProblem[] = [];
  for (const { line, text: value } of keyLines(text)) {
    const recipient = parseX25519Recipient(value);
    if (recipient !== null) recipients.push(recipient);
    else problems.push({ line, reason: describeRecipientProblem(value) });
  }
  return { recipients, problems };
}

/** Why a recipient does not read; names what kind of value it is, never echoes a secret. */
export function describeRecipientProblem(value: string): string {
  if (value.toUpperCase().startsWith('AGE-SECRET-KEY-')) return 'a secret key (AGE-SECRET-KEY-1…) where a recipient (age1…) belongs: give the public key';
  if (value.startsWith('ssh-')) return 'an SSH key: pgbak encrypts to age X25519 recipients (age1…) only';
  if (value.toLowerCase().startsWith('age1')) return 'not a valid age1… recipient (wrong length or checksum)';
  return 'not an age recipient (age1…)';
}

/** The identities of an identity file; each bad line is one problem (its content never shown). */
export function parseIdentities(text: string): { identities: X25519Identity[]; problems: KeyLineProblem[] } {
  const identities: X25519Identity[] = [];
  const problems: KeyLineProblem[] = [];
  for (const { line, text: value } of keyLines(text)) {
    const identity = parseX25519Identity(value);
    if (identity !== null) identities.push(identity);
    else if (value.startsWith('age1')) problems.push({ line, reason: 'a recipient (public key, age1…) where an identity (AGE-SECRET-KEY-1…) belongs' });
    else if (value.startsWith('AGE-PLUGIN-')) problems.push({ line, reason: 'a plugin identity: pgbak reads X25519 identities only' });
    else if (value.startsWith('-----BEGIN')) problems.push({ line, reason: 'a PEM key (SSH or other): pgbak reads X25519 identities (AGE-SECRET-KEY-1…) only' });
    else problems.push({ line, reason: 'not an age identity (AGE-SECRET-KEY-1…, wrong length or checksum)' });
  }
  return { identities, problems };
}

/** A passphrase as read from a file: one trailing line end dropped (echo > file), nothing else. */
export function passphraseFromFile(text: Buffer): Buffer {
  let end = text.length;
  if (end > 0 && text[end - 1] === 0x0a) end--;
  if (end > 0 && text[end - 1] === 0x0d) end--;
  return text.subarray(0, end);
}
