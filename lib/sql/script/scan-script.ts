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
}

/**
 * Reads a plain SQL script to its end as psql would, without running anything,
 * and refuses it (SqlScriptError with the line) when it holds a psql meta-command
 * pg_dump does not write itself: what passes can be handed to psql without a
 * shell command, a file write or an include coming out of it. Any
 * ASCII-compatible encoding is read; COPY data is skipped, not interpreted.
 */
export async function scanPgDumpScript(source: AsyncIterable<Uint8Array | string>, options: ScanScriptOptions): Promise<ScriptScan> {
  const scan: ScriptScan = { restrictLines: [], connects: false };
  const items = splitSql(source, {
    anyEncoding: true,
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
  return scan;
}
