// Builds altered copies of an archive, as an attacker or a bad disk would: an
// entry's content changed, with or without the manifest updated to match.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { MANIFEST_ENTRY, parseManifest, serializeManifest, ZipWriter, type Manifest } from '../../../lib/archive/index.js';
import { openZip } from '../../../lib/archive/index.js';
import { LocalFileSink } from '../../../lib/storage/index.js';
import { makeTempDir } from '../../support/restore-helpers.js';

/**
 * Copies `archive` with the entry `name` replaced by `edit(text)` (text in latin1, byte for byte). With
 * `fixManifest`, the manifest's bytes and sha256 for that entry are updated so
 * the digest check passes and only a deeper check (verify) can notice.
 */
export async function rewriteEntry(archive: string, name: string, edit: (text: string) => string, fixManifest: boolean): Promise<string> {
  const reader = await openZip(archive);
  const out = join(await makeTempDir('pgbak-tamper-'), 'tampered.zip');
  const zip = await ZipWriter.create(await LocalFileSink.open(out));
  try {
    const manifest: Manifest = parseManifest(await reader.readText(MANIFEST_ENTRY));
    // latin1 maps every byte to one character and back: binary dumps keep their size.
    const chunks: Buffer[] = [];
    for await (const chunk of await reader.openStream(name)) chunks.push(chunk as Buffer);
    const data = Buffer.from(edit(Buffer.concat(chunks).toString('latin1')), 'latin1');
    if (fixManifest) {
      for (const entry of manifest.steps.flatMap((step) => step.entries)) {
        if (entry.name !== name) continue;
        entry.bytes = data.length;
        entry.sha256 = createHash('sha256').update(data).digest('hex');
      }
    }
    for (const entry of reader.entries()) {
      if (entry.name === MANIFEST_ENTRY) continue;
      if (entry.name === name) await zip.addBuffer(name, data, { compress: true });
      else await zip.addStream(entry.name, await reader.openStream(entry.name), { compress: entry.compressed });
    }
    await zip.addBuffer(MANIFEST_ENTRY, serializeManifest(manifest), { compress: true });
    await zip.finish();
    return out;
  } catch (error) {
    await zip.abort();
    throw error;
  } finally {
    reader.close();
  }
}

/** Drops the first `count` rows of the COPY block of `table` (as pg_dump writes its name) in a plain dump. */
export function dropCopyRows(sql: string, table: string, count: number): string {
  const lines = sql.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`COPY ${table} `));
  if (start < 0) throw new Error(`no COPY of ${table} in the dump`);
  lines.splice(start + 1, count);
  return lines.join('\n');
}

/** Copies `archive` with its manifest changed by `edit` (every other entry as it is). */
export async function rewriteManifest(archive: string, edit: (manifest: Manifest) => void): Promise<string> {
  const reader = await openZip(archive);
  const out = join(await makeTempDir('pgbak-tamper-'), 'rewritten.zip');
  const zip = await ZipWriter.create(await LocalFileSink.open(out));
  try {
    const manifest: Manifest = parseManifest(await reader.readText(MANIFEST_ENTRY));
    edit(manifest);
    for (const entry of reader.entries()) {
      if (entry.name !== MANIFEST_ENTRY) await zip.addStream(entry.name, await reader.openStream(entry.name), { compress: entry.compressed });
    }
    await zip.addBuffer(MANIFEST_ENTRY, serializeManifest(manifest), { compress: true });
    await zip.finish();
    return out;
  } catch (error) {
    await zip.abort();
    throw error;
  } finally {
    reader.close();
  }
}
