import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ZipReader } from '../archive/index.js';
import { PgbakError } from '../errors.js';
import { scanPgDumpScript, SqlScriptError, type ScriptScan } from '../sql/script/index.js';
import type { RestoreItem } from './types.js';

/**
 * Reads every plain SQL entry among `items` before anything touches a server and
 * refuses the restore when one holds a psql meta-command pg_dump does not write
 * (a shell command, a file write, an include…): nothing in an archive may run
 * on the machine that restores it. Returns what each scan found, for running psql.
 * @throws PgbakError STEP_FAILED naming the entry and the line.
 */
export async function checkScripts(items: readonly RestoreItem[], reader: ZipReader): Promise<Map<RestoreItem, ScriptScan>> {
  const scans = new Map<RestoreItem, ScriptScan>();
  for (const item of items) {
    if (item.format !== 'plain' || item.input.type !== 'entry') continue;
    const { name, gunzip } = item.input;
    const entry = await reader.openStream(name);
    const source = gunzip ? gunzipped(entry) : entry;
    try {
      // The globals are replayed past errors: there a COPY is not safe (see scanPgDumpScript).
      scans.set(item, await scanPgDumpScript(source, { copyData: item.database !== null }));
    } catch (error) {
      if (error instanceof SqlScriptError) {
        throw new PgbakError('STEP_FAILED', `${name}: ${error.message}`, { ...(error.hint ? { hint: error.hint } : {}), cause: error });
      }
      throw error;
    } finally {
      source.destroy();
      entry.destroy();
    }
  }
  return scans;
}

/** Whether this psql knows `\restrict` (17.6, 16.10, 15.14, 14.19, 13.22 and later). */
export function psqlRestricts(version: { major: number; minor: number }): boolean {
  const since: Record<number, number> = { 13: 22, 14: 19, 15: 14, 16: 10, 17: 6 };
  if (version.major >= 18) return true;
  const minor = since[version.major];
  return minor !== undefined && version.minor >= minor;
}

/** The entry, gunzipped as it streams; an error of the entry ends the result too. */
export function gunzipped(entry: Readable): Readable {
  const gunzip = createGunzip();
  entry.on('error', (error) => gunzip.destroy(error));
  return entry.pipe(gunzip);
}
