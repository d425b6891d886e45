import { PgbakError } from '../errors.js';
import type { PgVersion } from './types.js';

// 15.18, 17beta1, 18devel, 16rc1, 9.6.24, 9.6beta1
const VERSION_TOKEN = String.raw`((\d+)(?:\.(\d+))?(?:\.(\d+))?((?:devel|alpha|beta|rc)\d*)?)`;
const TOOL_LINE = new RegExp(String.raw`\(PostgreSQL\)\s+${VERSION_TOKEN}(?=\s|$)`);
const BARE_VERSION = new RegExp(String.raw`^\s*${VERSION_TOKEN}(?=\s|$)`);

/**
 * Reads the version from `pg_dump --version` style output
 * (`pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`) or from a bare version
 * string as `SHOW server_version` returns it (`9.6.24`, `15.18 (Debian …)`).
 * Returns null for anything else, including forks that do not call themselves
 * PostgreSQL (`pg_dump (Greenplum Database) 6.1` is not PostgreSQL 6).
 */
export function parseToolVersion(output: string): PgVersion | null {
  const lines = output.split(/\r?\n/);
  for (const line of lines) {
    const match = TOOL_LINE.exec(line);
    if (match) return toVersion(match);
  }
  const firstLine = lines.find((line) => line.trim() !== '') ?? '';
  const bare = BARE_VERSION.exec(firstLine);
  return bare ? toVersion(bare) : null;
}

function toVersion(match: RegExpExecArray): PgVersion | null {
  const [, text = '', first, second, third] = match;
  const head = Number(first);
  if (head >= 10) return { major: head, minor: second === undefined ? 0 : Number(second), text };
  // Before 10 the major is two numbers; "9" alone names no release.
  if (second === undefined) return null;
  return { major: Number(`${head}.${second}`), minor: third === undefined ? 0 : Number(third), text };
}

/**
 * Converts `server_version_num` (150018, or the string libpq reports) into a
 * version: 150018 → 15.18, 90624 → 9.6.24 (major 9.6, see PgVersion).
 */
export function parseServerVersionNum(value: number | string): PgVersion {
  const num = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(num) || num < 10000) {
    throw new PgbakError('SERVER_ERROR', `unexpected server_version_num: ${JSON.stringify(String(value))}`);
  }
  if (num >= 100000) {
    const major = Math.floor(num / 10000);
    const minor = num % 10000;
    return { major, minor, text: `${major}.${minor}` };
  }
  const first = Math.floor(num / 10000);
  const second = Math.floor(num / 100) % 100;
  const minor = num % 100;
  return { major: Number(`${first}.${second}`), minor, text: `${first}.${second}.${minor}` };
}

/** `PostgreSQL 15.18`: how messages name a server or tool version. */
export function formatVersion(version: PgVersion): string {
  return `PostgreSQL ${version.text}`;
}
