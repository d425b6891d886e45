import { PgbakError } from '../errors.js';
import { dbnameArg } from '../plan/compile.js';
import type { RestoreItem } from './types.js';

/** The server a restore command connects to (no secret: PGPASSWORD goes into the environment). */
export interface ServerAddress {
  host: string;
  port: number;
  user: string;
}

/** The restore flags that shape a command line. */
export interface RestoreFlags {
  clean?: boolean | undefined;
  dataOnly?: boolean | undefined;
  schemaOnly?: boolean | undefined;
  tables?: readonly string[] | undefined;
  schemas?: readonly string[] | undefined;
  noOwner?: boolean | undefined;
  noPrivileges?: boolean | undefined;
  disableTriggers?: boolean | undefined;
  jobs?: number | undefined;
  noSingleTransaction?: boolean | undefined;
}

/**
 * Refuses flag combinations the chosen tool cannot honour, before anything runs.
 * Plain SQL goes through psql, which cannot filter, clean or skip owners.
 */
export function checkFlags(item: RestoreItem, flags: RestoreFlags): void {
  const where = item.database === null ? 'the globals entry' : `${item.step} (${item.database}, ${item.format} format)`;
  if (flags.dataOnly && flags.schemaOnly) throw usage('--data-only and --schema-only exclude each other');
  if (flags.disableTriggers && !flags.dataOnly) throw usage('--disable-triggers only applies to --data-only');
  if (flags.clean && flags.dataOnly) throw usage('--clean drops and recreates objects; it cannot be combined with --data-only');
  if (flags.jobs !== undefined && (!Number.isInteger(flags.jobs) || flags.jobs < 1)) throw usage(`--jobs must be a positive integer, got ${flags.jobs}`);
  if (item.format === 'plain') {
    if (item.database === null) return;
    const filters = [
      flags.tables?.length ? '--table' : '',
      flags.schemas?.length ? '--schema' : '',
      flags.dataOnly ? '--data-only' : '',
      flags.schemaOnly ? '--schema-only' : '',
      flags.clean ? '--clean' : '',
      flags.noOwner ? '--no-owner' : '',
      flags.noPrivileges ? '--no-privileges' : '',
      flags.disableTriggers ? '--disable-triggers' : '',
    ].filter(Boolean);
    if (filters.length > 0) {
      throw usage(`${where} is plain SQL, restored by psql as it is: ${filters.join(', ')} ${filters.length === 1 ? 'needs' : 'need'} a custom, tar or directory backup`);
    }
    if (item.input.type === 'entry' && /\.(lz4|zst)$/.test(item.input.name)) {
      throw usage(`${where}: ${item.input.name} is compressed with ${item.input.name.endsWith('.lz4') ? 'lz4' : 'zstd'}, which pgbak cannot decompress`, 'extract it (unzip), decompress it and run psql -f on it');
    }
  }
  // pgbak loads a native dump itself: the split layout in parallel, a single file serially (restore-archive warns).
  if (flags.jobs !== undefined && flags.jobs > 1 && (item.format === 'tar' || (item.format === 'plain' && item.engine !== 'native'))) {
    throw usage(`${where}: --jobs needs a custom or directory-format backup (pg_restore cannot restore ${item.format} in parallel)`);
  }
  tableSelection(flags.tables ?? [], flags.schemas ?? []);
}

/**
 * pg_restore's argv after the program. `input` is a file or directory, or null to
 * read the archive from stdin; `useList` a reordered table of contents (see
 * clean-order.ts). --exit-on-error: a restore that hit an error is a failed
 * restore, reported by its first error, not a warning count at the end. Without
 * --jobs it runs in one transaction: all or nothing.
 */
export function buildPgRestoreArgs(item: RestoreItem, server: ServerAddress, flags: RestoreFlags, input: string | null, useList: string | null = null): string[] {
  const { schemas, tables } = tableSelection(flags.tables ?? [], flags.schemas ?? []);
  return [
    ...connectionArgs(server),
    `--dbname=${dbnameArg(item.target)}`,
    '--exit-on-error',
    ...(singleTransaction(flags) ? ['--single-transaction'] : []),
    ...(flags.clean ? ['--clean', '--if-exists'] : []),
    ...(flags.dataOnly ? ['--data-only'] : []),
    ...(flags.schemaOnly ? ['--schema-only'] : []),
    ...schemas.map((schema) => `--schema=${schema}`),
    ...tables.map((table) => `--table=${table}`),
    ...(flags.noOwner ? ['--no-owner'] : []),
    ...(flags.noPrivileges ? ['--no-privileges'] : []),
    ...(flags.disableTriggers ? ['--disable-triggers'] : []),
    ...(flags.jobs !== undefined && flags.jobs > 1 ? [`--jobs=${flags.jobs}`] : []),
    ...(useList === null ? [] : [`--use-list=${useList}`]),
    ...(input === null ? [] : [input]),
  ];
}

/**
 * psql's argv after the program, reading the script from stdin. A database dump
 * stops at its first error, in one transaction unless told otherwise; the globals
 * are replayed to the end, because "role … already exists" is expected on a
 * server that has some of them. With `restrictKey`, psql runs `\restrict <key>`
 * before the script: no meta-command of the script can run after that.
 */
export function buildPsqlArgs(item: RestoreItem, server: ServerAddress, flags: RestoreFlags, restrictKey: string | null = null): string[] {
  const strict = item.database !== null;
  return [
    '-X',
    '-q',
    ...(strict ? ['-v', 'ON_ERROR_STOP=1'] : []),
    ...(strict && !flags.noSingleTransaction ? ['--single-transaction'] : []),
    ...connectionArgs(server),
    `--dbname=${dbnameArg(item.target)}`,
    ...(restrictKey === null ? [] : [`--command=\\restrict ${restrictKey}`]),
    '--file=-',
  ];
}

/** Whether pg_restore runs in one transaction: unless told not to, or running --jobs in parallel (which cannot). */
export function singleTransaction(flags: RestoreFlags): boolean {
  return !flags.noSingleTransaction && !(flags.jobs !== undefined && flags.jobs > 1);
}

/**
 * pg_restore matches `--table` against bare names and `--schema` separately; a
 * qualified `schema.table` is split into both, which works as long as every table
 * names the same schema (pg_restore intersects the two lists).
 */
export function tableSelection(tables: readonly string[], schemas: readonly string[]): { tables: string[]; schemas: string[] } {
  const split = tables.map(splitQualified);
  const named = [...new Set(split.map((t) => t.schema).filter((s): s is string => s !== null))];
  if (named.length === 0) return { tables: split.map((t) => t.name), schemas: [...schemas] };
  const unqualified = split.some((t) => t.schema === null);
  if (named.length > 1 || unqualified || (schemas.length > 0 && schemas.some((s) => s !== named[0]))) {
    throw usage(
      `pg_restore selects tables by name within the --schema list, so ${tables.join(', ')} cannot be restored together`,
      'restore tables of different schemas in separate runs (pgbak restore <zip> --table schema.table)',
    );
  }
  return { tables: split.map((t) => t.name), schemas: [named[0]!] };
}

/** `schema.table` → its parts; double quotes keep dots and quotes inside a name. */
export function splitQualified(value: string): { schema: string | null; name: string } {
  const parts: string[] = [''];
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '"') {
      if (quoted && value[i + 1] === '"') {
        parts[parts.length - 1] += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === '.' && !quoted) parts.push('');
    else parts[parts.length - 1] += ch;
  }
  if (parts.length > 2 || parts.some((p) => p === '')) throw usage(`--table ${value}: expected name or schema.name`);
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { schema: null, name: parts[0]! };
}

function connectionArgs(server: ServerAddress): string[] {
  return [`--host=${server.host}`, `--port=${server.port}`, `--username=${server.user}`, '--no-password'];
}

function usage(message: string, hint = 'see pgbak restore --help'): PgbakError {
  return new PgbakError('USAGE', message, { hint });
}
