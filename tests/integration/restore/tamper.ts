// Builds altered copies of an archive, as an attacker or a bad disk would: an
// entry's content changed, with or without the manifest updated to match.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { MANIFEST_ENTRY, openZip, parseManifest, serializeManifest, ZipWriter, type Manifest, type ZipReader } from '../../../lib/archive/index.js';
import { LocalFileSink } from '../../../lib/storage/index.js';
import { makeTempDir } from '../../support/restore-helpers.js';

/**
 * Copies `archive` with the entry `name` replaced by `edit(text)` (text in latin1, byte for byte). With
 * `fixManifest`, the manifest's bytes and sha256 for that entry are updated so
 * the digest check passes and only a deeper check (verify) can notice.
 */
export async function rewriteEntry(archive: string, name: string, edit: (text: string) => string, fixManifest: boolean): Promise<string> {
  return copyArchive(archive, 'tampered.zip', async (reader, manifest) => {
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
    return new Map([[name, data]]);
  });
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
  return copyArchive(archive, 'rewritten.zip', async (_reader, manifest) => {
    edit(manifest);
    return new Map();
  });
}

/**
 * Copies `archive` into a new temporary folder as `fileName`: `change` may edit the manifest
 * and returns the entries to replace (compressed); the rest are copied as they are.
 */
async function copyArchive(archive: string, fileName: string, change: (reader: ZipReader, manifest: Manifest) => Promise<Map<string, Buffer>>): Promise<string> {
  const reader = await openZip(archive);
  const out = join(await makeTempDir('pgbak-tamper-'), fileName);
  const zip = await ZipWriter.create(await LocalFileSink.open(out));
  try {
    const manifest: Manifest = parseManifest(await reader.readText(MANIFEST_ENTRY));
    const replaced = await change(reader, manifest);
    for (const entry of reader.entries()) {
      if (entry.name === MANIFEST_ENTRY) continue;
      const data = replaced.get(entry.name);
      if (data) await zip.addBuffer(entry.name, data, { compress: true });
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
