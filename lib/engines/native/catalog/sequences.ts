// SEQUENCE entries (standalone, serial and identity sequences) and SEQUENCE
// OWNED BY entries for serial-style ownership (the values: ../sequence-values.ts).
// Identity sequences are created with their column, as pg_dump does: ALTER TABLE … ADD GENERATED … AS IDENTITY (SEQUENCE NAME …).
import type { QueryClient } from '../../../db/client.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { entryId, notExtensionMember, ref, userSchema } from './table-sql.js';
import { buildAddIdentity, buildCreateSequence, buildOwnedBy, type SequenceParts } from './type-sequence-build.js';

/** One user sequence (not an extension member) and the column that owns it, if any (compare's details read these rows too). */
export interface SequenceRow extends SequenceParts {
  oid: number;
  nspname: string;
  nspoid: number;
  relname: string;
  relpersistence: string;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** 'a' (OWNED BY), 'i' (identity) or null (standalone). */
  deptype: string | null;
  table_oid: number | null;
  table_schema: string | null;
  table_name: string | null;
  column_name: string | null;
  attidentity: string | null;
  /** `schema.table ALTER COLUMN column` (format('%I')) of an identity sequence's column; null otherwise. */
  identity_of: string | null;
}

/** Every user sequence, by schema and name: one query text, asked once per catalog read (sharingClient). */
export async function readSequenceRows(client: QueryClient): Promise<SequenceRow[]> {
  const { rows } = await client.query<SequenceRow>(
    `SELECT c.oid, n.nspname, n.oid AS nspoid, c.relname, c.relpersistence,
            pg_catalog.format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS increment,
            s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle AS cycle,
            d.deptype, tc.oid AS table_oid, tn.nspname AS table_schema, tc.relname AS table_name,
            a.attname AS column_name, a.attidentity,
            CASE WHEN d.deptype = 'i' THEN pg_catalog.format('%I.%I ALTER COLUMN %I', tn.nspname, tc.relname, a.attname) END AS identity_of
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_depend d ON d.classid = 1259 AND d.objid = c.oid AND d.refclassid = 1259
            AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
       LEFT JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
       LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
       LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE c.relkind = 'S' AND ${userSchema('n.nspname')} AND ${notExtensionMember('pg_class', 'c.oid')}
      ORDER BY n.nspname, c.relname`,
  );
  return rows;
}

export const readSequences: CatalogReader = async (client: QueryClient, options) => {
  const rows = await readSequenceRows(client);
  const included = rows.filter((row) =>
    row.table_schema !== null && row.table_name !== null
      ? options.includesTable(row.table_schema, row.table_name)
      : options.includesTable(row.nspname, row.relname),
  );
  return included.flatMap((row) => sequenceEntries(row));
};

function sequenceEntries(row: SequenceRow): TocEntry[] {
  const parts: SequenceParts = row;
  const seq = { schema: row.nspname, name: row.relname };
  const base = {
    id: entryId('SEQUENCE', row.nspname, row.relname),
    kind: 'SEQUENCE' as const,
    section: 'pre-data' as const,
    schema: row.nspname,
    name: row.relname,
    ref: ref('pg_class', row.oid),
  };
  const owner =
    row.table_oid !== null && row.table_schema !== null && row.table_name !== null && row.column_name !== null
      ? { oid: row.table_oid, schema: row.table_schema, name: row.table_name, column: row.column_name }
      : null;
  if (owner && row.deptype === 'i') {
    const table = { ...owner, always: row.attidentity === 'a' };
    return [
      {
        ...base,
        dependsOn: [ref('pg_class', owner.oid)],
        after: [entryId('TABLE', owner.schema, owner.name)],
        sql: buildAddIdentity(table, seq, parts),
      },
    ];
  }
  const create: TocEntry = {
    ...base,
    dependsOn: [ref('pg_namespace', row.nspoid)],
    sql: buildCreateSequence(row.nspname, row.relname, parts, row.relpersistence === 'u'),
  };
  if (!owner) return [create];
  const ownedBy: TocEntry = {
    id: entryId('SEQUENCE OWNED BY', row.nspname, row.relname),
    kind: 'SEQUENCE OWNED BY',
    section: 'pre-data',
    schema: row.nspname,
    name: row.relname,
    ref: null,
    dependsOn: [ref('pg_class', row.oid), ref('pg_class', owner.oid)],
    after: [create.id, entryId('TABLE', owner.schema, owner.name)],
    sql: buildOwnedBy(seq, owner),
  };
  return [create, ownedBy];
}
