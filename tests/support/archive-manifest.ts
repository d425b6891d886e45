// The manifest of an archive on disk, as a test reads it back.
import { openZip, parseManifest, type Manifest } from '../../lib/archive/index.js';

export async function manifestOf(file: string): Promise<Manifest> {
  const zip = await openZip(file);
  try {
    return parseManifest(await zip.readText('manifest.json'), file);
  } finally {
    zip.close();
  }
}
