import { resolve } from 'node:path';
import { manifestEntries, MANIFEST_ENTRY, openZip, openZipSource, parseManifest, verifyEntries, type Manifest, type ZipReader } from '../archive/index.js';
import { archiveInvalid } from '../archive/archive-invalid.js';
import { PgbakError } from '../errors.js';
import type { Env } from '../config/env-file.js';
import type { PgbakLogger } from '../log/index.js';
import { isS3Location, openArchiveSource } from '../storage/index.js';

/** An archive whose manifest was read and, when asked, whose every entry matched its sha256. */
export interface OpenedArchive {
  path: string;
  reader: ZipReader;
  manifest: Manifest;
}

/**
 * Opens `path`, reads the manifest first, then (with `check`) reads every dump
 * entry and schema model through sha256 before anything else happens: a damaged
 * or altered archive is refused as a whole, with every bad entry named, and
 * nothing has been touched yet. The caller closes the reader.
 */
export async function openArchive(path: string, options: { check: boolean; logger?: PgbakLogger; env?: Env }): Promise<OpenedArchive> {
  // s3://bucket/key is read by ranged GETs: the directory, the manifest, the entries asked for.
  const s3 = isS3Location(path);
  const absolute = s3 ? path : resolve(path);
  const reader = s3 ? await openZipSource(await openArchiveSource(path, { env: options.env ?? {}, cwd: '/' })) : await openZip(absolute);
  try {
    if (!reader.has(MANIFEST_ENTRY)) throw archiveInvalid(absolute, `it has no ${MANIFEST_ENTRY}: not written by pgbak, or unfinished`);
    const manifest = parseManifest(await reader.readText(MANIFEST_ENTRY), absolute);
    if (options.check) {
      const expected = manifestEntries(manifest);
      const started = Date.now();
      const bad = (await verifyEntries(reader, expected)).filter((check) => !check.ok);
      if (bad.length > 0) {
        const shown = bad.slice(0, 3).map((check) => `${check.name}: ${check.reason}`).join('; ');
        const more = bad.length > 3 ? ` (and ${bad.length - 3} more)` : '';
        throw archiveInvalid(absolute, `${bad.length} of ${expected.length} entries do not match the manifest: ${shown}${more}`, {
          hint: 'the archive is damaged or was altered; nothing was restored. Use another backup.',
        });
      }
      options.logger?.verbose(`${expected.length} entries match their sha256 (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    return { path: absolute, reader, manifest };
  } catch (error) {
    reader.close();
    throw error;
  }
}

/**
 * Restore and verify read local archives only for now: `--list` is what reads an
 * s3:// archive in place. Refused before anything connects (exit 2).
 */
export function refuseS3(location: string, command: 'restore' | 'verify'): void {
  if (!isS3Location(location)) return;
  throw new PgbakError('USAGE', `pgbak ${command} cannot read ${location} in place yet: only \`pgbak restore s3://… --list\` reads from S3`, {
    hint: `download it first (aws s3 cp ${location} .) and ${command} the local file`,
  });
}
