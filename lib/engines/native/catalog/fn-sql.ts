// SQL fragments every reader of this family filters with, so they all agree on
// what is in a dump: user schemas only, never an extension's own objects.

/** SQL condition: the schema name expression `nspname` is not a system schema. */
export function isUserSchema(nspname: string): string {
  return `(${nspname} NOT IN ('pg_catalog', 'information_schema') AND ${nspname} !~ '^pg_(toast|temp_)')`;
}

/** SQL condition: the object `oid` of catalog `catalog` (e.g. `pg_proc`) is not an extension member. */
export function isNotExtensionMember(catalog: string, oid: string): string {
  return (
    `NOT EXISTS (SELECT FROM pg_catalog.pg_depend ext WHERE ext.classid = 'pg_catalog.${catalog}'::pg_catalog.regclass ` +
    `AND ext.objid = ${oid} AND ext.deptype = 'e')`
  );
}

/**
 * SQL condition: the object is not an internal part of another (deptype 'i'),
 * e.g. the constructor functions PostgreSQL creates with every range type: the
 * owning object's CREATE makes them again.
 */
export function isNotInternalPart(catalog: string, oid: string): string {
  return (
    `NOT EXISTS (SELECT FROM pg_catalog.pg_depend internal WHERE internal.classid = 'pg_catalog.${catalog}'::pg_catalog.regclass ` +
    `AND internal.objid = ${oid} AND internal.deptype = 'i')`
  );
}

/** SQL expression: the OID of catalog `catalog` as an integer, for ObjectRef.classid. */
export function catalogOid(catalog: string): string {
  return `'pg_catalog.${catalog}'::pg_catalog.regclass::pg_catalog.oid`;
}
