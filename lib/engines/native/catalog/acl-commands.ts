// GRANT/REVOKE statements that turn an object's default privileges into its
// actual ones: a port of pg_dump's buildACLCommands (dumputils.c), kept as a
// pure function so the diffing is unit-tested without a server.
import { quoteIdent } from '../../../sql/quote.js';
import { describePrivileges, parseAclItem, type AclObjectType } from './acl-items.js';

/** What buildAclCommands needs to know about one object (or one column). */
export interface AclTarget {
  type: AclObjectType;
  /** The object as written after `ON <type>`, already quoted: `"public"."f"(integer)`, `42`. '' for default privileges. */
  name: string;
  /** Quoted column name, for column privileges. */
  column?: string;
  /** The object's aclitems as text; null means "never changed", which needs no statement. */
  acl: string[] | null;
  /** What the object starts with when created (acldefault(), or `{}` for columns). */
  base: string[];
  /** Role name of the object's owner: the grantor that needs no SET SESSION AUTHORIZATION. */
  owner: string | null;
  /** Put before every GRANT/REVOKE, for `ALTER DEFAULT PRIVILEGES FOR ROLE r `. */
  prefix?: string;
  serverMajor: number;
}

/**
 * Compares the actual ACL with the base one by aclitem text, as pg_dump does:
 * items only in the base are revoked (first), items only in the actual ACL are
 * granted in the server's order (the owner's own grants first, since others may
 * have been granted through them). A grant made by someone other than the owner
 * is replayed as that grantor with SET SESSION AUTHORIZATION (needs a superuser
 * to restore, as with pg_dump). Returns '' when nothing differs.
 */
export function buildAclCommands(target: AclTarget): string {
  if (target.acl === null) return '';
  const baseSet = new Set(target.base);
  const actualSet = new Set(target.acl);
  const revokes = target.base.filter((item) => !actualSet.has(item));
  const grants = target.acl.filter((item) => !baseSet.has(item));
  const prefix = target.prefix ?? '';
  const on = target.name === '' ? `ON ${target.type} ` : `ON ${target.type} ${target.name} `;
  const to = (grantee: string) => (grantee === '' ? 'PUBLIC' : quoteIdent(grantee));

  let first = '';
  let second = '';
  for (const text of revokes) {
    const item = parseOrThrow(text);
    // REVOKE takes a grant option away with its privilege: all letters count as plain ones.
    const { plain } = describe(item.privileges.replace(/\*/g, ''), target);
    if (plain) first += `${prefix}REVOKE ${plain} ${on}FROM ${to(item.grantee)};\n`;
  }
  for (const text of grants) {
    const item = parseOrThrow(text);
    const { plain, withGrantOption } = describe(item.privileges, target);
    if (!plain && !withGrantOption) continue;
    const grantor = item.grantor || target.owner || '';
    const ownGrant = target.owner !== null && item.grantee === target.owner && grantor === target.owner;
    const asGrantor = grantor !== '' && grantor !== target.owner;
    let sql = '';
    if (asGrantor) sql += `SET SESSION AUTHORIZATION ${quoteIdent(grantor)};\n`;
    if (plain) sql += `${prefix}GRANT ${plain} ${on}TO ${to(item.grantee)};\n`;
    if (withGrantOption) sql += `${prefix}GRANT ${withGrantOption} ${on}TO ${to(item.grantee)} WITH GRANT OPTION;\n`;
    if (asGrantor) sql += 'RESET SESSION AUTHORIZATION;\n';
    if (ownGrant) first += sql;
    else second += sql;
  }
  return first + second;
}

function describe(letters: string, target: AclTarget) {
  return describePrivileges(letters, target.type, {
    ...(target.column !== undefined ? { column: target.column } : {}),
    serverMajor: target.serverMajor,
  });
}

function parseOrThrow(text: string) {
  const item = parseAclItem(text);
  if (!item) throw new Error(`cannot parse aclitem ${JSON.stringify(text)}`);
  return item;
}

/**
 * `ALTER DEFAULT PRIVILEGES FOR ROLE r [IN SCHEMA s] GRANT … ON TABLES …` for one
 * pg_default_acl row, as pg_dump's buildDefaultACLCommands. `base` is
 * acldefault() of the object type for a global entry and `{}` for a per-schema
 * one (per-schema entries only ever add to the global defaults).
 */
export function buildDefaultAclCommands(input: {
  role: string;
  schema: string | null;
  type: 'TABLES' | 'SEQUENCES' | 'FUNCTIONS' | 'TYPES' | 'SCHEMAS';
  acl: string[];
  base: string[];
  serverMajor: number;
}): string {
  const inSchema = input.schema === null ? '' : `IN SCHEMA ${quoteIdent(input.schema)} `;
  return buildAclCommands({
    type: input.type,
    name: '',
    acl: input.acl,
    base: input.base,
    owner: input.role,
    prefix: `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(input.role)} ${inSchema}`,
    serverMajor: input.serverMajor,
  });
}
