// CONSTRAINT entries (primary key, unique, exclusion, and CHECK constraints
// marked NOT VALID, which pg_dump adds after the data) and FK CONSTRAINT
// entries, all in post-data as ALTER TABLE [ONLY] … ADD CONSTRAINT name
// pg_get_constraintdef. Validated CHECK constraints are written inside CREATE TABLE.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { mayHold } from './presence.js';
import { entryId, notExtensionMember, ref, userSchema } from './table-sql.js';

interface ConstraintRow {
  oid: number;
  conname: string;
  contype: string;
  conrelid: number;
  nspname: string;
  relname: string;
  relkind: string;
  def: string;
  conislocal: boolean;
  convalidated: boolean;
  index_name: string | null;
  indisclustered: boolean | null;
  indisreplident: boolean | null;
  /** FK: the referenced table and the constraint owning the referenced unique index. */
  confrelid: number;
  ref_schema: string | null;
  ref_table: string | null;
  ref_conname: string | null;
}

export interface AddConstraint {
  schema: string;
  table: string;
  name: string;
  definition: string;
  /** ALTER TABLE ONLY (false for NOT VALID checks that must reach children, and FKs of partitioned tables). */
  only: boolean;
}

export function buildAddConstraint(c: AddConstraint): string {
  return `ALTER TABLE ${c.only ? 'ONLY ' : ''}${quoteQualified(c.schema, c.table)}\n    ADD CONSTRAINT ${quoteIdent(c.name)} ${c.definition};\n`;
}

// An FK's referenced table and the constraint owning the referenced unique index. With no
// foreign key in the database the joins are left out (nulls, which only FK rows read), and not planned.
const referencedSide = {
  columns: 'rn.nspname AS ref_schema, rc.relname AS ref_table, rk.conname AS ref_conname',
  joins: `       LEFT JOIN pg_catalog.pg_class rc ON k.contype = 'f' AND rc.oid = k.confrelid
       LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
       LEFT JOIN pg_catalog.pg_constraint rk ON k.contype = 'f' AND rk.conrelid = k.confrelid
            AND rk.conindid = k.conindid AND rk.contype IN ('p', 'u')
`,
};
const noReferencedSide = {
  columns: 'NULL::pg_catalog.name AS ref_schema, NULL::pg_catalog.name AS ref_table, NULL::pg_catalog.name AS ref_conname',
  joins: '',
};

export const readConstraints: CatalogReader = async (client: QueryClient, options) => {
  const referenced = mayHold(options.present, ['foreign_keys']) ? referencedSide : noReferencedSide;
  const { rows } = await client.query<ConstraintRow>(
    `SELECT k.oid, k.conname, k.contype, k.conrelid, n.nspname, c.relname, c.relkind,
            pg_catalog.pg_get_constraintdef(k.oid) AS def, k.conislocal, k.convalidated,
            ic.relname AS index_name, ix.indisclustered, ix.indisreplident,
            k.confrelid, ${referenced.columns}
       FROM pg_catalog.pg_constraint k
       JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_index ix ON k.contype IN ('p', 'u', 'x') AND ix.indexrelid = k.conindid
       LEFT JOIN pg_catalog.pg_class ic ON ic.oid = ix.indexrelid
${referenced.joins}      WHERE c.relkind IN ('r', 'p') AND ${userSchema('n.nspname')} AND ${notExtensionMember('pg_class', 'c.oid')}
        AND (k.contype IN ('p', 'u', 'x')
             OR (k.contype = 'f' AND k.conparentid = 0)
             OR (k.contype = 'c' AND NOT k.convalidated AND k.conislocal))
      ORDER BY n.nspname, c.relname, k.conname`,
  );
  return rows.filter((row) => options.includesTable(row.nspname, row.relname)).map(constraintEntry);
};

function constraintEntry(row: ConstraintRow): TocEntry {
  const table = ref('pg_class', row.conrelid);
  const tableId = entryId('TABLE', row.nspname, row.relname);
  const common = { schema: row.nspname, name: `${row.relname} ${row.conname}`, section: 'post-data' as const, ref: ref('pg_constraint', row.oid) };
  const add = { schema: row.nspname, table: row.relname, name: row.conname, definition: row.def };
  if (row.contype === 'f') {
    const referenced = row.ref_schema !== null && row.ref_table !== null ? [entryId('TABLE', row.ref_schema, row.ref_table)] : [];
    if (row.ref_schema !== null && row.ref_table !== null && row.ref_conname !== null) {
      referenced.push(entryId('CONSTRAINT', row.ref_schema, row.ref_table, row.ref_conname));
    }
    return {
      ...common,
      id: entryId('FK CONSTRAINT', row.nspname, row.relname, row.conname),
      kind: 'FK CONSTRAINT',
      dependsOn: [table, ref('pg_class', row.confrelid)],
      after: [tableId, ...referenced],
      // pg_dump: FKs of partitioned tables always reach the partitions.
      sql: buildAddConstraint({ ...add, only: row.relkind !== 'p' }),
    };
  }
  let sql = buildAddConstraint({ ...add, only: row.contype !== 'c' });
  const qualified = quoteQualified(row.nspname, row.relname);
  if (row.index_name !== null && row.indisclustered) sql += `ALTER TABLE ${qualified} CLUSTER ON ${quoteIdent(row.index_name)};\n`;
  if (row.index_name !== null && row.indisreplident) {
    sql += `ALTER TABLE ONLY ${qualified} REPLICA IDENTITY USING INDEX ${quoteIdent(row.index_name)};\n`;
  }
  return {
    ...common,
    id: entryId('CONSTRAINT', row.nspname, row.relname, row.conname),
    kind: 'CONSTRAINT',
    dependsOn: [table],
    after: [tableId],
    sql,
  };
}
