import { SqlScriptError } from './script-error.js';

/** A psql meta-command found in a script, outside quotes, comments and COPY data. */
export interface MetaCommand {
  /** Its name without the backslash (`connect`, `!`, `.`), '' for a lone backslash. */
  name: string;
  /** The line from its `\` to the end, line end removed. */
  text: string;
  /** 1-based line of the script. */
  line: number;
  /** Whether the `\` is the first byte of its line (pg_dump writes its meta-commands so). */
  atLineStart: boolean;
  /** Whether a statement was started and not ended by `;` before it. */
  inStatement: boolean;
}

/** Decides about one meta-command: returns to let it pass, throws a SqlScriptError to refuse it. */
export type MetaCommandPolicy = (command: MetaCommand) => void;

/** The name of the meta-command at the start of `text` (`\connect x` → `connect`). */
export function metaCommandName(text: string): string {
  return /^\\([A-Za-z]+|\S)?/.exec(text)?.[1] ?? '';
}

// pg_dump and pg_dumpall from 17.6 / 16.10 / 15.14 / 14.19 / 13.22 bracket their
// output in `\restrict <key>` … `\unrestrict <key>`: psql then refuses any other
// meta-command in between, which this loader does anyway. Nothing else to do.
const ignored = new Set(['restrict', 'unrestrict']);

/**
 * pgbak's native loader: lets \restrict and \unrestrict pass (it runs no
 * meta-command anyway) and refuses every other one with its line.
 */
export const checkLoaderMetaCommand: MetaCommandPolicy = ({ name, line, inStatement }) => {
  if (inStatement) {
    throw new SqlScriptError(line, 'a psql meta-command (\\…) in the middle of a statement is not supported by pgbak\'s loader; restore with psql');
  }
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
  throw new SqlScriptError(line, `psql meta-command ${shown(name)} is not supported by pgbak's loader; restore with psql`);
};

/**
 * What may reach psql: only the meta-commands pg_dump and pg_dumpall write
 * themselves, in the form they write them, each alone on its line —
 * `\restrict <key>` / `\unrestrict <key>`, `\connect <database>` (a name, or
 * `-reuse-previous=on "dbname=…"`: never another host, port or user, which
 * would send the password elsewhere) and the `\encoding SQL_ASCII` written
 * before such a `\connect`. `\.` is allowed only where it ends COPY data, which
 * the splitter handles before any policy sees it. Everything else (`\!`, `\o`,
 * `\w`, `\g |…`, `\copy … program`, `\i`, `\set`, `\gexec`, …) is refused.
 */
export const checkPgDumpMetaCommand: MetaCommandPolicy = ({ name, text, line, atLineStart, inStatement }) => {
  const refuse = (why: string) =>
    new SqlScriptError(line, `psql meta-command ${shown(name)} ${why}; refusing to run the script`, 'the archive was altered or not written by pg_dump: nothing was run. Use another backup.');
  if (name === '.') throw refuse('(end of COPY data) outside a COPY … FROM stdin block');
  if (!allowedByPgDump.has(name)) throw refuse('is not written by pg_dump');
  if (inStatement || !atLineStart) throw refuse('is not at the start of a line of its own, where pg_dump writes it');
  if (!pgDumpForm(name, text.slice(1 + name.length))) throw refuse(`is not in the form pg_dump writes it (${JSON.stringify(text.slice(0, 80))})`);
};

const allowedByPgDump = new Set(['restrict', 'unrestrict', 'connect', 'encoding']);

function pgDumpForm(name: string, rest: string): boolean {
  const args = rest.trim();
  if (rest !== '' && !/^[ \t]/.test(rest)) return false;
  switch (name) {
    case 'restrict':
    case 'unrestrict':
      return /^[A-Za-z0-9]+$/.test(args);
    case 'encoding':
      return /^[A-Za-z0-9_]+$/.test(args);
    case 'connect':
      // appendPsqlMetaConnect: `\connect name`, `\connect "Name"`, or for other
      // names a connection string that sets the database alone.
      return /^(?:[A-Za-z0-9_.]+|"(?:[A-Za-z0-9_.]|"")+")$/.test(args) || databaseOnlyConnstr(args);
    default:
      return false;
  }
}

// `-reuse-previous=on "dbname=…"`: the connection string is one quoted psql
// argument (quotes doubled inside), holding `dbname=` and one value: bare, or
// single-quoted with \' and \\ escapes. Anything after the value (host=…) refuses it.
function databaseOnlyConnstr(args: string): boolean {
  const quoted = /^-reuse-previous=on "((?:[^"]|"")*)"$/.exec(args);
  if (!quoted) return false;
  const connstr = quoted[1]!.replace(/""/g, '"');
  return /^dbname=(?:[^\s'\\]+|'(?:[^'\\]|\\.)*')$/.test(connstr);
}

function shown(name: string): string {
  return name === '' ? '\\' : `\\${name}`;
}
