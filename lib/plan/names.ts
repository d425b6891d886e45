/** Characters kept as they are in file and entry names; anything else becomes `_`. */
const unsafe = /[^A-Za-z0-9._-]/g;

/**
 * A database name made safe for a file name. Names that needed changing get a
 * short hash so that two different databases never share an entry name
 * (the manifest keeps the real name).
 */
export function safeName(name: string): string {
  const cleaned = name.replace(unsafe, '_').replace(/^\.+/, '_');
  if (cleaned === name && cleaned.length > 0) return cleaned;
  return `${cleaned.slice(0, 60)}-${fnv1a(name)}`;
}

/** `20261122T010000Z`: sortable, no colons (valid on every file system). */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

export function archiveName(profile: string, database: string, now: Date): string {
  return `${safeName(profile)}-${safeName(database)}-${formatTimestamp(now)}.zip`;
}

/**
 * The run lock of one (profile, database) in an output folder, and of the server for a
 * profile with several (`connections:`). `@` never occurs in a safeName, so no other
 * pair (or triple) shares the name.
 */
export function lockFileName(profile: string, database: string, server?: string): string {
  return server === undefined ? `.pgbak-${safeName(profile)}@${safeName(database)}.lock` : `.pgbak-${safeName(profile)}@${safeName(server)}@${safeName(database)}.lock`;
}

/** Whether a file is the run lock of (profile, database) on some server of a several-server profile. */
export function isServerLockOf(file: string, profile: string, database: string): boolean {
  const start = `.pgbak-${safeName(profile)}@`;
  const end = `@${safeName(database)}.lock`;
  if (!file.startsWith(start) || !file.endsWith(end)) return false;
  const server = file.slice(start.length, file.length - end.length);
  return server.length > 0 && !server.includes('@');
}

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

const ARCHIVE_SUFFIX = /\.zip(\.age)?$/;

/** An archive's name without `.zip` or `.zip.age`: what its run log and the `-2`, `-3` names are made of. */
export function archiveBase(name: string): string {
  return name.replace(ARCHIVE_SUFFIX, '');
}

/** `.zip`, or `.zip.age` for an archive encrypted with age. */
export function archiveSuffix(name: string): string {
  return ARCHIVE_SUFFIX.exec(name)?.[0] ?? '.zip';
}
