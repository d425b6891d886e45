import { checkPgDumpMetaCommand } from './meta-command.js';
import { SqlScriptError } from './script-error.js';
import { splitSql } from './split-sql.js';

export interface ScanScriptOptions {
  /**
   * Whether `COPY … FROM stdin` blocks may appear: true for a script psql runs
   * with ON_ERROR_STOP. Where psql goes on after an error (the globals), a COPY
   * that fails would make psql read its data lines as commands: refused.
   */
  copyData: boolean;
}

/** What a scan found that decides how psql is run. */
export interface ScriptScan {
  /** 1-based lines holding the script's own `\restrict` / `\unrestrict`. */
  restrictLines: number[];
  /** Whether the script switches databases with `\connect`. */
  connects: boolean;
  /**
   * The first line of a '…' literal that psql reads differently with
   * standard_conforming_strings off (a quote right after an odd run of
   * backslashes), or null. Harmless in pg_dump's output; but a script can switch
   * the setting unseen, so only a psql restricted by `\restrict` may run it.
   */
  ambiguousLine: number | null;
}

/**
 * Reads a plain SQL script to its end as psql would, without running anything,
 * and refuses it (SqlScriptError with the line) when it holds a psql meta-command
 * pg_dump does not write itself: what passes can be handed to psql without a
 * shell command, a file write or an include coming out of it. Any
 * ASCII-compatible encoding is read; COPY data is skipped, not interpreted.
 */
export async function scanPgDumpScript(source: AsyncIterable<Uint8Array | string>, options: ScanScriptOptions): Promise<ScriptScan> {
  const scan: ScriptScan = { restrictLines: [], connects: false, ambiguousLine: null };
  const stats = { bytesRead: 0, maxBufferedBytes: 0 } as { bytesRead: number; maxBufferedBytes: number; ambiguousStringLine?: number };
  const items = splitSql(source, {
    anyEncoding: true,
    stats,
    metaCommands(command) {
      checkPgDumpMetaCommand(command);
      if (command.name === 'restrict' || command.name === 'unrestrict') scan.restrictLines.push(command.line);
      if (command.name === 'connect') scan.connects = true;
    },
  });
  for await (const item of items) {
    // Unread COPY data is skipped by the splitter, at the speed of indexOf.
    if (item.type === 'copy' && !options.copyData) {
      throw new SqlScriptError(
        item.line,
        'COPY … FROM stdin in a script psql runs past errors (a failed COPY would make psql read its data as commands); refusing to run the script',
        'the archive was altered or not written by pg_dumpall: nothing was run. Use another backup.',
      );
    }
  }
  scan.ambiguousLine = stats.ambiguousStringLine ?? null;
  return scan;
}
