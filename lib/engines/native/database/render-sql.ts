// The SQL of pg_dump's DATABASE and DATABASE PROPERTIES entries (and the comment,
// security labels and grants it writes with them), for a database of any name: a
// restore creates the copy under the name it is given, not the one dumped.
import type { ManifestDatabaseDefinition } from '../../../archive/index.js';
import { quoteIdent, quoteLiteral } from '../../../sql/quote.js';
import { buildAclCommands } from '../catalog/acl-commands.js';
import { parseAclItem } from '../catalog/acl-items.js';

/** What shapes the statements besides the definition. */
export interface DatabaseSqlOptions {
  /** Major of the server the statements run on (CREATE DATABASE's options by version). */
  serverMajor: number;
  /** Major of the server dumped: which privilege letters its aclitems hold. */
  sourceMajor: number;
  /** Leave the owner out (`--no-owner`): the restoring role owns the database. */
  noOwner?: boolean;
  /** Leave the grants out (`--no-privileges`). */
  noPrivileges?: boolean;
}

/**
 * What runs before the database's contents: CREATE DATABASE from template0 with
 * the encoding, locale provider and locales (they cannot be changed later), and
 * the owner, as pg_dump --create writes them. One statement each: CREATE DATABASE
 * cannot run in a transaction block.
 */
export function createDatabaseStatements(definition: ManifestDatabaseDefinition, name: string, options: DatabaseSqlOptions): string[] {
  const q = quoteIdent(name);
  let sql = `CREATE DATABASE ${q} WITH TEMPLATE = template0 ENCODING = ${quoteLiteral(definition.encoding)}`;
  // LOCALE_PROVIDER came with 15: before, libc is the only provider and the keyword an error.
  if (options.serverMajor >= 15 || definition.localeProvider !== 'libc') sql += ` LOCALE_PROVIDER = ${definition.localeProvider}`;
  if (definition.collate !== '' && definition.collate === definition.ctype) sql += ` LOCALE = ${quoteLiteral(definition.collate)}`;
  else {
    if (definition.collate !== '') sql += ` LC_COLLATE = ${quoteLiteral(definition.collate)}`;
    if (definition.ctype !== '') sql += ` LC_CTYPE = ${quoteLiteral(definition.ctype)}`;
  }
  if (definition.locale !== null) {
    sql += `${definition.localeProvider === 'builtin' ? ' BUILTIN_LOCALE' : ' ICU_LOCALE'} = ${quoteLiteral(definition.locale)}`;
  }
  if (definition.icuRules !== null) sql += ` ICU_RULES = ${quoteLiteral(definition.icuRules)}`;
  if (definition.tablespace !== null) sql += ` TABLESPACE = ${quoteIdent(definition.tablespace)}`;
  const statements = [sql];
  if (!options.noOwner) statements.push(`ALTER DATABASE ${q} OWNER TO ${quoteIdent(definition.owner)}`);
  return statements;
}

/**
 * What runs once the contents are in: the comment, security labels, connection
 * limit, template flag, `ALTER DATABASE … SET` and `ALTER ROLE … IN DATABASE … SET`
 * settings, then the grants (the difference between `datacl` and its default), in
 * pg_dump's order. After the load, not before as pg_restore --create does: a
 * connection limit or a setting such as default_transaction_read_only then cannot
 * get in the load's way. Each statement runs on its own (any connection will do).
 */
export function databasePropertyStatements(definition: ManifestDatabaseDefinition, name: string, options: DatabaseSqlOptions): string[] {
  const q = quoteIdent(name);
  const statements: string[] = [];
  if (definition.comment !== null && definition.comment !== '') statements.push(`COMMENT ON DATABASE ${q} IS ${quoteLiteral(definition.comment)}`);
  for (const { provider, label } of definition.securityLabels) {
    statements.push(`SECURITY LABEL FOR ${quoteIdent(provider)} ON DATABASE ${q} IS ${quoteLiteral(label)}`);
  }
  if (definition.connectionLimit !== -1) statements.push(`ALTER DATABASE ${q} CONNECTION LIMIT = ${definition.connectionLimit}`);
  if (definition.isTemplate) statements.push(`ALTER DATABASE ${q} IS_TEMPLATE = true`);
  for (const { role, setting } of definition.settings) {
    const set = formatConfigSetting(setting);
    statements.push(role === null ? `ALTER DATABASE ${q} SET ${set}` : `ALTER ROLE ${quoteIdent(role)} IN DATABASE ${q} SET ${set}`);
  }
  if (!options.noPrivileges) {
    const acl = buildAclCommands({
      type: 'DATABASE',
      name: q,
      acl: definition.acl,
      base: definition.aclDefault,
      owner: definition.owner,
      serverMajor: options.sourceMajor,
    });
    statements.push(...acl.split('\n').filter((line) => line !== '').map((line) => line.replace(/;$/, '')));
  }
  return statements;
}

// Settings whose value is a list of names (GUC_LIST_QUOTE): pg_dump writes each
// element as its own literal, so that a quoted element keeps its quotes' meaning.
const listSettings = new Set(['search_path', 'temp_tablespaces', 'session_preload_libraries', 'shared_preload_libraries', 'local_preload_libraries', 'unix_socket_directories']);

/** `name=value` from `setconfig` as `"name" TO 'value'`, as pg_dump's makeAlterConfigCommand writes it. */
export function formatConfigSetting(item: string): string {
  const eq = item.indexOf('=');
  const name = item.slice(0, eq);
  const value = item.slice(eq + 1);
  if (!listSettings.has(name.toLowerCase())) return `${quoteIdent(name)} TO ${quoteLiteral(value)}`;
  return `${quoteIdent(name)} TO ${splitGucList(value).map(quoteLiteral).join(', ')}`;
}

/**
 * A list setting's value split as the server's SplitGUCList does: at commas outside
 * double quotes, blanks around elements dropped, `""` inside quotes one quote.
 */
export function splitGucList(value: string): string[] {
  const items: string[] = [];
  let i = 0;
  const blank = (c: string | undefined) => c !== undefined && /\s/.test(c);
  for (;;) {
    while (blank(value[i])) i++;
    let item = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length) {
        if (value[i] === '"') {
          if (value[i + 1] !== '"') break;
          i++;
        }
        item += value[i];
        i++;
      }
      i++;
    } else {
      while (i < value.length && value[i] !== ',' && !blank(value[i])) item += value[i++];
    }
    items.push(item);
    while (blank(value[i])) i++;
    if (value[i] !== ',') return items;
    i++;
  }
}

/**
 * The roles the statements name (owner, settings' roles, grantees and grantors but
 * PUBLIC): a restore checks they exist before it creates anything.
 */
export function rolesNamedBy(definition: ManifestDatabaseDefinition, options: Pick<DatabaseSqlOptions, 'noOwner' | 'noPrivileges'>): string[] {
  const names = new Set<string>();
  if (!options.noOwner) names.add(definition.owner);
  for (const { role } of definition.settings) if (role !== null) names.add(role);
  if (!options.noPrivileges && definition.acl !== null) {
    for (const text of definition.acl) {
      const item = parseAclItem(text);
      if (!item) continue;
      for (const name of [item.grantee, item.grantor]) if (name !== '') names.add(name);
    }
  }
  return [...names];
}
