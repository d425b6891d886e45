import { SqlScriptError } from './script-error.js';

// pg_dump and pg_dumpall from 17.6 / 16.10 / 15.14 / 14.19 / 13.22 bracket their
// output in `\restrict <key>` … `\unrestrict <key>`: psql then refuses any other
// meta-command in between, which this loader does anyway. Nothing else to do.
const ignored = new Set(['restrict', 'unrestrict']);

/**
 * Decides what to do with a psql meta-command line (from its `\` to the end of
 * the line): returns for the ones that need nothing from the loader, throws a
 * SqlScriptError naming the line for all others.
 */
export function checkMetaCommand(text: string, line: number): void {
  const name = /^\\([A-Za-z]+|\S)?/.exec(text)?.[1] ?? '';
  if (ignored.has(name)) return;
  if (name === '.') {
    throw new SqlScriptError(line, '\\. outside a COPY … FROM stdin block', 'the script is damaged, or not a SQL dump');
  }
  if (name === 'connect' || name === 'c') {
    throw new SqlScriptError(
      line,
      'the script switches databases with \\connect, which pgbak\'s loader does not do: it restores into one database',
      'restore this file with psql, or back up without --create (one database per entry)',
    );
  }
  const shown = name === '' ? '\\' : `\\${name}`;
  throw new SqlScriptError(line, `psql meta-command ${shown} is not supported by pgbak's loader; restore with psql`);
}
