// aclitem text (`grantee=privileges/grantor`) parsed the way pg_dump's
// parseAclItem does, and the privilege letters each object type can hold.

/** One aclitem as the server prints it. `grantee` '' means PUBLIC. */
export interface AclItem {
  grantee: string;
  grantor: string;
  /** Privilege letters; a letter followed by `*` is held WITH GRANT OPTION. */
  privileges: string;
}

/** The GRANT object types pgbak writes, with pg_dump's spelling. */
export type AclObjectType =
  | 'TABLE'
  | 'SEQUENCE'
  | 'FUNCTION'
  | 'PROCEDURE'
  | 'SCHEMA'
  | 'TYPE'
  | 'LARGE OBJECT'
  | 'LANGUAGE'
  | 'FOREIGN DATA WRAPPER'
  | 'FOREIGN SERVER'
  | 'DATABASE'
  | 'TABLES'
  | 'SEQUENCES'
  | 'FUNCTIONS'
  | 'ROUTINES'
  | 'TYPES'
  | 'SCHEMAS';

type PrivilegeList = ReadonlyArray<readonly [letter: string, keyword: string]>;

/**
 * The privileges of an object type in pg_dump's order (the order of its
 * CONVERT_PRIV calls, which is the order GRANT lists them in). Columns hold only
 * SELECT, INSERT, REFERENCES and UPDATE; MAINTAIN exists from PostgreSQL 17.
 */
export function privilegesOf(type: AclObjectType, options: { column: boolean; serverMajor: number }): PrivilegeList {
  switch (type) {
    case 'TABLE':
    case 'TABLES': {
      const list: Array<readonly [string, string]> = [
        ['r', 'SELECT'],
        ['a', 'INSERT'],
        ['x', 'REFERENCES'],
      ];
      if (!options.column) {
        list.push(['d', 'DELETE'], ['t', 'TRIGGER'], ['D', 'TRUNCATE']);
        if (options.serverMajor >= 17) list.push(['m', 'MAINTAIN']);
      }
      list.push(['w', 'UPDATE']);
      return list;
    }
    case 'SEQUENCE':
    case 'SEQUENCES':
      return [
        ['r', 'SELECT'],
        ['U', 'USAGE'],
        ['w', 'UPDATE'],
      ];
    case 'FUNCTION':
    case 'PROCEDURE':
    case 'FUNCTIONS':
    case 'ROUTINES':
      return [['X', 'EXECUTE']];
    case 'SCHEMA':
    case 'SCHEMAS':
      return [
        ['C', 'CREATE'],
        ['U', 'USAGE'],
      ];
    case 'TYPE':
    case 'TYPES':
    case 'LANGUAGE':
    case 'FOREIGN DATA WRAPPER':
    case 'FOREIGN SERVER':
      return [['U', 'USAGE']];
    case 'DATABASE':
      return [
        ['C', 'CREATE'],
        ['c', 'CONNECT'],
        ['T', 'TEMPORARY'],
      ];
    case 'LARGE OBJECT':
      return [
        ['r', 'SELECT'],
        ['w', 'UPDATE'],
      ];
  }
}

/**
 * Parses `grantee=privileges/grantor`. Role names that are not plain
 * (anything but letters, digits and `_`) are double-quoted with `""` for a quote,
 * as the server's aclitemout writes them. Returns null for text it does not understand.
 */
export function parseAclItem(text: string): AclItem | null {
  const grantee = readRoleName(text, 0);
  if (!grantee || text[grantee.end] !== '=') return null;
  const slash = text.indexOf('/', grantee.end + 1);
  if (slash < 0) return null;
  const privileges = text.slice(grantee.end + 1, slash);
  const grantor = readRoleName(text, slash + 1);
  if (!grantor || grantor.end !== text.length) return null;
  return { grantee: grantee.name, grantor: grantor.name, privileges };
}

function readRoleName(text: string, start: number): { name: string; end: number } | null {
  if (text[start] !== '"') {
    let end = start;
    while (end < text.length && text[end] !== '=' && text[end] !== '/') end++;
    return { name: text.slice(start, end), end };
  }
  let name = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) return null;
    if (text[i] === '"') {
      if (text[i + 1] === '"') {
        name += '"';
        i += 2;
        continue;
      }
      return { name, end: i + 1 };
    }
    name += text[i];
    i++;
  }
}

/** An aclitem's privileges split as pg_dump's parseAclItem does: plain and WITH GRANT OPTION. */
export interface AclPrivileges {
  /** `SELECT,UPDATE`, `ALL`, `SELECT(col)`…; '' when none. */
  plain: string;
  withGrantOption: string;
}

/**
 * Turns an item's letters into GRANT keyword lists for `type`; `column` is the
 * quoted column name for column privileges. All of the type's privileges become `ALL`.
 */
export function describePrivileges(
  letters: string,
  type: AclObjectType,
  options: { column?: string; serverMajor: number },
): AclPrivileges {
  const list = privilegesOf(type, { column: options.column !== undefined, serverMajor: options.serverMajor });
  const suffix = options.column !== undefined ? `(${options.column})` : '';
  const plain: string[] = [];
  const grantable: string[] = [];
  let allWithGrantOption = true;
  let allWithoutGrantOption = true;
  for (const [letter, keyword] of list) {
    const at = letters.indexOf(letter);
    if (at < 0) {
      allWithGrantOption = allWithoutGrantOption = false;
    } else if (letters[at + 1] === '*') {
      grantable.push(keyword + suffix);
      allWithoutGrantOption = false;
    } else {
      plain.push(keyword + suffix);
      allWithGrantOption = false;
    }
  }
  if (allWithGrantOption) return { plain: '', withGrantOption: `ALL${suffix}` };
  if (allWithoutGrantOption) return { plain: `ALL${suffix}`, withGrantOption: '' };
  return { plain: plain.join(','), withGrantOption: grantable.join(',') };
}

/**
 * A role name as aclitem text writes it (the server's putid): bare when every
 * character is an ASCII letter, digit or `_`, else double-quoted with `""` for a quote.
 */
export function formatAclRole(name: string): string {
  return /^[A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
