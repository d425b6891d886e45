// The operators and support functions of an operator class or family (pg_amop,
// pg_amproc), as CREATE OPERATOR CLASS … AS and ALTER OPERATOR FAMILY … ADD
// list them. pg_depend tells whose a member is: 'i' to the class that declared
// it, 'a' to the family for a loose member ALTER OPERATOR FAMILY added.
import { quoteQualified } from '../../../sql/quote.js';
import { catalogOid } from './fn-sql.js';

/** One pg_amop row: `OPERATOR 1 "s".<(integer,integer)` (regoperator text, qualified under the empty search_path). */
export interface OperatorMember {
  strategy: number;
  operator: string;
  /** The sort family of an ordering operator (`FOR ORDER BY`), else null. */
  sort_schema: string | null;
  sort_family: string | null;
}

/** One pg_amproc row: `FUNCTION 1 (integer, integer) "s".cmp(integer,integer)`. */
export interface FunctionMember {
  number: number;
  left: string;
  right: string;
  function: string;
}

/** SQL expression: the members of catalog `ownerCatalog`'s row `ownerOid` linked with `deptype`, as json arrays. */
function membersOf(member: 'pg_amop' | 'pg_amproc', ownerCatalog: string, ownerOid: string, deptype: 'i' | 'a'): string {
  const owned = (alias: string) =>
    `JOIN pg_catalog.pg_depend d ON d.classid = ${catalogOid(member)} AND d.objid = ${alias}.oid
     WHERE d.refclassid = ${catalogOid(ownerCatalog)} AND d.refobjid = ${ownerOid} AND d.deptype = '${deptype}'`;
  if (member === 'pg_amop') {
    return `COALESCE((SELECT pg_catalog.json_agg(pg_catalog.json_build_object('strategy', ao.amopstrategy,
         'operator', ao.amopopr::pg_catalog.regoperator::pg_catalog.text, 'sort_schema', sn.nspname, 'sort_family', sf.opfname)
         ORDER BY ao.amopstrategy, ao.amoplefttype, ao.amoprighttype)
       FROM pg_catalog.pg_amop ao
       LEFT JOIN pg_catalog.pg_opfamily sf ON sf.oid = ao.amopsortfamily
       LEFT JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace
       ${owned('ao')}), '[]')`;
  }
  return `COALESCE((SELECT pg_catalog.json_agg(pg_catalog.json_build_object('number', ap.amprocnum,
       'left', pg_catalog.format_type(ap.amproclefttype, NULL), 'right', pg_catalog.format_type(ap.amprocrighttype, NULL),
       'function', ap.amproc::pg_catalog.regprocedure::pg_catalog.text)
       ORDER BY ap.amprocnum, ap.amproclefttype, ap.amprocrighttype)
     FROM pg_catalog.pg_amproc ap
     ${owned('ap')}), '[]')`;
}

/** SQL select-list columns `operators` and `functions` for the members `ownerOid` owns. */
export function memberColumns(ownerCatalog: 'pg_opclass' | 'pg_opfamily', ownerOid: string): string {
  const deptype = ownerCatalog === 'pg_opclass' ? 'i' : 'a';
  return `${membersOf('pg_amop', ownerCatalog, ownerOid, deptype)} AS operators,
  ${membersOf('pg_amproc', ownerCatalog, ownerOid, deptype)} AS functions`;
}

/** The `OPERATOR …` and `FUNCTION …` items, operators first (pg_dump's order). */
export function memberItems(operators: readonly OperatorMember[], functions: readonly FunctionMember[]): string[] {
  return [
    ...operators.map(
      (op) => `OPERATOR ${op.strategy} ${op.operator}` + (op.sort_family !== null ? ` FOR ORDER BY ${quoteQualified(op.sort_schema ?? '', op.sort_family)}` : ''),
    ),
    ...functions.map((fn) => `FUNCTION ${fn.number} (${fn.left}, ${fn.right}) ${fn.function}`),
  ];
}
