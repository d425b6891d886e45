import { resolve } from 'node:path';
import { manifestEntries, MANIFEST_ENTRY, openZip, parseManifest, verifyEntries, type Manifest, type ZipReader } from '../archive/index.js';
import { archiveInvalid } from '../archive/archive-invalid.js';
import type { PgbakLogger } from '../log/index.js';

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
export async function openArchive(path: string, options: { check: boolean; logger?: PgbakLogger }): Promise<OpenedArchive> {
  const absolute = resolve(path);
  const reader = await openZip(absolute);
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
