import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PgbakError } from '../errors.js';
import type { ScriptScan } from '../sql/script/index.js';
import type { ToolInfo } from '../tools/index.js';
import { usesNativeLoader, type NativeLoaderFlags } from './native-loader-glue.js';
import type { RestoreItem } from './types.js';
import { psqlRestricts } from './check-scripts.js';

/**
 * A second guard behind the scan: psql itself refuses every meta-command but
 * `\unrestrict <key>` once `\restrict <key>` has run, and the key is pgbak's, a
 * fresh random one the script cannot know. The script's own `\restrict` /
 * `\unrestrict` lines are blanked (psql would refuse a second `\restrict`).
 */
export interface PsqlRestriction {
  key: string;
  /** The script's own `\restrict` / `\unrestrict` lines, 1-based. */
  blank: number[];
}

/**
 * The restriction for one script, or null where there can be none: a psql that
 * does not know `\restrict`, or a script that switches databases with `\connect`
 * (refused in restricted mode; the scan has vetted it all the same).
 */
export function restrictionFor(scan: ScriptScan | undefined, tool: ToolInfo): PsqlRestriction | null {
  if (scan === undefined || scan.connects || !psqlRestricts(tool.version)) return null;
  return { key: randomBytes(24).toString('hex'), blank: [...scan.restrictLines].sort((a, b) => a - b) };
}

/** Empties the given lines (1-based; their line ends kept, so psql's line numbers stay the file's). */
export function blankLines(lines: readonly number[]): Transform {
  return new BlankLines(lines);
}

const NL = 0x0a;

class BlankLines extends Transform {
  private line = 1;
  private next = 0;

  constructor(private readonly lines: readonly number[]) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const kept: Buffer[] = [];
    let pos = 0;
    while (pos < chunk.length && this.next < this.lines.length) {
      const nl = chunk.indexOf(NL, pos);
      if (this.line === this.lines[this.next]) {
        // Drop the line's bytes; its line end is passed on below, as the next line's first byte.
        if (nl === -1) {
          pos = chunk.length;
          break;
        }
        pos = nl;
        this.next++;
        continue;
      }
      if (nl === -1) {
        kept.push(chunk.subarray(pos));
        pos = chunk.length;
        break;
      }
      kept.push(chunk.subarray(pos, nl + 1));
      pos = nl + 1;
      this.line++;
    }
    if (pos < chunk.length) kept.push(chunk.subarray(pos));
    callback(null, kept.length === 1 ? kept[0] : Buffer.concat(kept));
  }
}

/**
 * Refuses to hand psql a script the scan cannot vouch for without `\\restrict`
 * behind it: one with a string literal psql may read otherwise (see
 * ScriptScan.ambiguousLine) when this psql cannot be restricted.
 */
export function checkUnrestrictedScript(entry: string, scan: ScriptScan | undefined, tool: ToolInfo): void {
  if (scan?.ambiguousLine == null || restrictionFor(scan, tool) !== null) return;
  throw new PgbakError(
    'STEP_FAILED',
    `${entry}: line ${scan.ambiguousLine}: a string literal that psql may read otherwise (a backslash before its quote, or after a non-ASCII byte) if the script switches standard_conforming_strings or the client encoding; psql ${tool.version.text} has no \\restrict to stop what that could hide, so the script is not run`,
    { hint: 'restore with a psql that has \\restrict (15.14, 16.10, 17.6 or later; PGBAK_PG_BIN), or with --loader native' },
  );
}

/** {@link checkUnrestrictedScript} for every plain entry psql would run: before anything is created. */
export function checkUnrestrictedScripts(items: readonly RestoreItem[], scripts: Map<RestoreItem, ScriptScan>, tools: Map<RestoreItem, ToolInfo>, flags: NativeLoaderFlags): void {
  for (const item of items) {
    const tool = tools.get(item);
    if (item.format !== 'plain' || item.input.type !== 'entry' || tool === undefined || usesNativeLoader(item, tool, flags)) continue;
    checkUnrestrictedScript(item.input.name, scripts.get(item), tool);
  }
}
