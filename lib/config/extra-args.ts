/**
 * Checks a step's `extraArgs` the way pg_dump / pg_dumpall will read them
 * (getopt_long: clustered short options, `-fx` and `-f x`, `--opt=x` and
 * `--opt x`, and unambiguous prefixes of long options), and refuses every
 * argument that would change where or in which format the dump goes, or that
 * pgbak sets itself from the profile.
 */

interface Option {
  long: string;
  short?: string;
  hasArg: boolean;
  /** Why pgbak refuses it; absent: passed through. */
  refused?: string;
}

const output = 'pgbak writes the dump into the archive itself';
const connection = 'pgbak connects with the profile\'s connection (flags, environment) and hands pg_dump its exported snapshot';
const role = 'pg_dump would dump as another role than the session pgbak exports the snapshot from and counts rows with';
const kind = 'the step\'s kind says what is dumped (full, schema-only, data-only, …)';
const scope = 'pgbak counts rows of the tables the profile selects: use the step\'s schemas, excludeSchemas, tables, excludeTables, excludeTableData';
const restoreTime = 'restore decides that: `pgbak restore --clean` / `--create`; in a plain dump it would also act on the original database at restore';
const key = (name: string) => `set the step's ${name} instead`;

/** Every long option of pg_dump 14–18 (the union: a prefix is checked against all of them). */
const pgDumpOptions: Option[] = [
  { long: 'data-only', short: 'a', hasArg: false, refused: kind },
  { long: 'blobs', short: 'b', hasArg: false, refused: key('blobs') },
  { long: 'large-objects', hasArg: false, refused: key('blobs') },
  { long: 'no-blobs', short: 'B', hasArg: false, refused: key('blobs') },
  { long: 'no-large-objects', hasArg: false, refused: key('blobs') },
  { long: 'clean', short: 'c', hasArg: false, refused: restoreTime },
  { long: 'create', short: 'C', hasArg: false, refused: restoreTime },
  { long: 'dbname', short: 'd', hasArg: true, refused: connection },
  { long: 'extension', short: 'e', hasArg: true },
  { long: 'encoding', short: 'E', hasArg: true },
  { long: 'file', short: 'f', hasArg: true, refused: output },
  { long: 'format', short: 'F', hasArg: true, refused: key('format') },
  { long: 'host', short: 'h', hasArg: true, refused: connection },
  { long: 'jobs', short: 'j', hasArg: true, refused: key('jobs') },
  { long: 'schema', short: 'n', hasArg: true, refused: scope },
  { long: 'exclude-schema', short: 'N', hasArg: true, refused: scope },
  { long: 'no-owner', short: 'O', hasArg: false, refused: key('noOwner') },
  { long: 'port', short: 'p', hasArg: true, refused: connection },
  { long: 'no-reconnect', short: 'R', hasArg: false },
  { long: 'schema-only', short: 's', hasArg: false, refused: kind },
  { long: 'superuser', short: 'S', hasArg: true },
  { long: 'table', short: 't', hasArg: true, refused: scope },
  { long: 'exclude-table', short: 'T', hasArg: true, refused: scope },
  { long: 'username', short: 'U', hasArg: true, refused: connection },
  { long: 'verbose', short: 'v', hasArg: false },
  { long: 'no-password', short: 'w', hasArg: false, refused: connection },
  { long: 'password', short: 'W', hasArg: false, refused: connection },
  { long: 'no-privileges', short: 'x', hasArg: false, refused: key('noPrivileges') },
  { long: 'no-acl', hasArg: false, refused: key('noPrivileges') },
  { long: 'compress', short: 'Z', hasArg: true, refused: key('compression') },
  { long: 'help', hasArg: false },
  { long: 'version', hasArg: false },
  { long: 'attribute-inserts', hasArg: false },
  { long: 'binary-upgrade', hasArg: false },
  { long: 'column-inserts', hasArg: false },
  { long: 'disable-dollar-quoting', hasArg: false },
  { long: 'disable-triggers', hasArg: false },
  { long: 'enable-row-security', hasArg: false },
  { long: 'exclude-table-data', hasArg: true, refused: scope },
  { long: 'extra-float-digits', hasArg: true },
  { long: 'if-exists', hasArg: false },
  { long: 'inserts', hasArg: false },
  { long: 'lock-wait-timeout', hasArg: true, refused: key('lockWaitTimeout') },
  { long: 'no-table-access-method', hasArg: false },
  { long: 'no-tablespaces', hasArg: false },
  { long: 'quote-all-identifiers', hasArg: false },
  { long: 'load-via-partition-root', hasArg: false },
  { long: 'role', hasArg: true, refused: role },
  { long: 'section', hasArg: true, refused: kind },
  // pg_dump ignores it when it is given a snapshot, and pgbak always gives one.
  { long: 'serializable-deferrable', hasArg: false, refused: 'pg_dump ignores it when given a snapshot, and pgbak always gives it the one it exported' },
  { long: 'snapshot', hasArg: true, refused: 'pgbak exports the snapshot pg_dump uses (and its row counts are read in it)' },
  { long: 'statistics-only', hasArg: false, refused: kind },
  { long: 'strict-names', hasArg: false },
  { long: 'use-set-session-authorization', hasArg: false },
  { long: 'no-comments', hasArg: false },
  { long: 'no-data', hasArg: false, refused: kind },
  { long: 'no-policies', hasArg: false },
  { long: 'no-publications', hasArg: false },
  { long: 'no-schema', hasArg: false, refused: kind },
  { long: 'no-security-labels', hasArg: false },
  { long: 'no-statistics', hasArg: false },
  { long: 'no-subscriptions', hasArg: false },
  { long: 'no-toast-compression', hasArg: false },
  { long: 'no-unlogged-table-data', hasArg: false },
  { long: 'no-sync', hasArg: false },
  { long: 'on-conflict-do-nothing', hasArg: false },
  { long: 'rows-per-insert', hasArg: true },
  { long: 'include-foreign-data', hasArg: true },
  { long: 'table-and-children', hasArg: true, refused: scope },
  { long: 'exclude-table-and-children', hasArg: true, refused: scope },
  { long: 'exclude-table-data-and-children', hasArg: true, refused: scope },
  { long: 'sync-method', hasArg: true },
  { long: 'filter', hasArg: true, refused: scope },
  { long: 'exclude-extension', hasArg: true },
  { long: 'restrict-key', hasArg: true },
  { long: 'sequence-data', hasArg: false },
  { long: 'with-data', hasArg: false, refused: kind },
  { long: 'with-schema', hasArg: false, refused: kind },
  // The step's statistics field: checked against the server (18+) and written by both engines.
  { long: 'with-statistics', hasArg: false, refused: key('statistics') },
  { long: 'statistics', hasArg: false, refused: key('statistics') },
];

/** Every long option of pg_dumpall 14–18 (globals-only steps). */
const pgDumpallOptions: Option[] = [
  { long: 'data-only', short: 'a', hasArg: false, refused: kind },
  { long: 'clean', short: 'c', hasArg: false, refused: restoreTime },
  { long: 'encoding', short: 'E', hasArg: true },
  { long: 'file', short: 'f', hasArg: true, refused: output },
  { long: 'format', short: 'F', hasArg: true, refused: 'a globals-only step is plain SQL' },
  { long: 'globals-only', short: 'g', hasArg: false, refused: kind },
  { long: 'no-owner', short: 'O', hasArg: false, refused: key('noOwner') },
  { long: 'roles-only', short: 'r', hasArg: false, refused: kind },
  { long: 'schema-only', short: 's', hasArg: false, refused: kind },
  { long: 'superuser', short: 'S', hasArg: true },
  { long: 'tablespaces-only', short: 't', hasArg: false, refused: kind },
  { long: 'verbose', short: 'v', hasArg: false },
  { long: 'no-privileges', short: 'x', hasArg: false, refused: key('noPrivileges') },
  { long: 'no-acl', hasArg: false, refused: key('noPrivileges') },
  { long: 'dbname', short: 'd', hasArg: true, refused: connection },
  { long: 'host', short: 'h', hasArg: true, refused: connection },
  { long: 'database', short: 'l', hasArg: true, refused: connection },
  { long: 'port', short: 'p', hasArg: true, refused: connection },
  { long: 'username', short: 'U', hasArg: true, refused: connection },
  { long: 'no-password', short: 'w', hasArg: false, refused: connection },
  { long: 'password', short: 'W', hasArg: false, refused: connection },
  { long: 'role', hasArg: true, refused: role },
  { long: 'help', hasArg: false },
  { long: 'version', hasArg: false },
  { long: 'attribute-inserts', hasArg: false },
  { long: 'binary-upgrade', hasArg: false },
  { long: 'column-inserts', hasArg: false },
  { long: 'disable-dollar-quoting', hasArg: false },
  { long: 'disable-triggers', hasArg: false },
  { long: 'exclude-database', hasArg: true },
  { long: 'extra-float-digits', hasArg: true },
  { long: 'filter', hasArg: true },
  { long: 'if-exists', hasArg: false },
  { long: 'inserts', hasArg: false },
  { long: 'lock-wait-timeout', hasArg: true, refused: key('lockWaitTimeout') },
  { long: 'load-via-partition-root', hasArg: false },
  { long: 'no-comments', hasArg: false },
  { long: 'no-data', hasArg: false },
  { long: 'no-policies', hasArg: false },
  { long: 'no-publications', hasArg: false },
  { long: 'no-role-passwords', hasArg: false, refused: key('noRolePasswords') },
  { long: 'no-schema', hasArg: false, refused: kind },
  { long: 'no-security-labels', hasArg: false },
  { long: 'no-statistics', hasArg: false },
  { long: 'no-subscriptions', hasArg: false },
  { long: 'no-sync', hasArg: false },
  { long: 'no-tablespaces', hasArg: false },
  { long: 'no-table-access-method', hasArg: false },
  { long: 'no-toast-compression', hasArg: false },
  { long: 'no-unlogged-table-data', hasArg: false },
  { long: 'on-conflict-do-nothing', hasArg: false },
  { long: 'quote-all-identifiers', hasArg: false },
  { long: 'restrict-key', hasArg: true },
  { long: 'rows-per-insert', hasArg: true },
  { long: 'sequence-data', hasArg: false },
  { long: 'statistics-only', hasArg: false, refused: kind },
  { long: 'statistics', hasArg: false },
  { long: 'use-set-session-authorization', hasArg: false },
  { long: 'with-data', hasArg: false },
  { long: 'with-schema', hasArg: false },
  { long: 'with-statistics', hasArg: false },
];

/** One refused argument: its index in extraArgs and why. */
export interface ExtraArgProblem {
  index: number;
  message: string;
}

/**
 * The extra arguments of a step run by `tool` that pgbak refuses, in order.
 * Unknown options are left to the tool (it exits 1 on them, failing the run).
 */
export function checkExtraArgs(args: readonly string[], tool: 'pg_dump' | 'pg_dumpall'): ExtraArgProblem[] {
  const options = tool === 'pg_dump' ? pgDumpOptions : pgDumpallOptions;
  const problems: ExtraArgProblem[] = [];
  const refuse = (index: number, abbreviated: boolean, option: Option) =>
    problems.push({ index, message: `"${args[index]}" is ${abbreviated ? 'an abbreviation of ' : ''}${spell(option)}: ${option.refused}` });
  let onlyOperands = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (onlyOperands || arg === '-' || !arg.startsWith('-')) {
      problems.push({ index, message: `"${arg}" is not an option: ${tool} would read it as ${tool === 'pg_dump' ? 'the database to dump' : 'an extra argument'}; pgbak passes the database itself` });
      continue;
    }
    if (arg === '--') {
      // Everything after `--` is an operand; `--` alone is harmless.
      onlyOperands = true;
      continue;
    }
    if (arg.startsWith('--')) {
      const [name, value] = splitLong(arg.slice(2));
      const candidates = longCandidates(options, name);
      if (candidates.length === 0) continue;
      const refused = candidates.find((option) => option.refused !== undefined);
      if (refused) {
        refuse(index, refused.long !== name, refused);
      }
      // `--file x`: the next element is the value, not an option.
      if (value === undefined && candidates.every((option) => option.hasArg)) index++;
      continue;
    }
    // A cluster of short options: `-vf x`, `-fx`, `-Ox`.
    for (let at = 1; at < arg.length; at++) {
      const option = options.find((o) => o.short === arg[at]);
      if (!option) continue;
      if (option.refused !== undefined) refuse(index, false, option);
      if (option.hasArg) {
        if (at === arg.length - 1) index++;
        break;
      }
    }
  }
  return problems;
}

function splitLong(text: string): [string, string | undefined] {
  const eq = text.indexOf('=');
  return eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
}

// getopt_long: an exact name wins; otherwise every option the text is a prefix of.
function longCandidates(options: Option[], name: string): Option[] {
  const exact = options.find((o) => o.long === name);
  if (exact) return [exact];
  return name === '' ? [] : options.filter((o) => o.long.startsWith(name));
}

function spell(option: Option): string {
  return option.short ? `-${option.short}/--${option.long}` : `--${option.long}`;
}
