import type { QueryClient } from '../../db/client.js';
import { displayName, quoteLiteral, quoteQualified } from '../../sql/quote.js';
import type { UnreadableSequence } from './privileges.js';
import type { TocEntry } from './toc.js';

interface SequenceRow {
  oid: number;
  schema: string;
  name: string;
  schema_usage: boolean;
  readable: boolean;
  identity_of: number | null;
}

const pgClass = 1259;

// Every sequence, with the table an identity sequence belongs to ('i'): identity
// sequences often have no entry of their own (the table's DDL creates them).
const sequencesSql = `
  SELECT c.oid, n.nspname AS schema, c.relname AS name,
         pg_catalog.has_schema_privilege(n.oid, 'USAGE') AS schema_usage,
         pg_catalog.has_schema_privilege(n.oid, 'USAGE') AND pg_catalog.has_sequence_privilege(c.oid, 'SELECT') AS readable,
         (SELECT d.refobjid FROM pg_catalog.pg_depend d
           WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
             AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'i' LIMIT 1) AS identity_of
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'S'
   ORDER BY 2, 3`;

const batchSize = 200;

/** The value one `SEQUENCE SET` entry gives its sequence, as setval's arguments. */
export interface SequenceValue {
  lastValue: string;
  isCalled: boolean;
}

export interface SequenceSetResult {
  entries: TocEntry[];
  /** Dumped sequences the role cannot read (no SELECT, or no USAGE on the schema): no entry. */
  unreadable: UnreadableSequence[];
  /** What each entry's setval sets, by entry id: the manifest records what the dump wrote. */
  values: Map<string, { sequence: string } & SequenceValue>;
}

/**
 * One `SEQUENCE SET` entry per dumped sequence — those with a SEQUENCE entry,
 * and the identity sequences of dumped tables — each
 * `SELECT pg_catalog.setval('"s"."seq"', last_value, is_called);` with the values
 * read from the sequence itself in the dump's snapshot (pg_sequences shows NULL
 * for a sequence reset with is_called false). Sequences the role cannot read are
 * returned as such: the caller refuses the dump or leaves them out.
 */
export async function readSequenceSets(client: QueryClient, entries: readonly TocEntry[]): Promise<SequenceSetResult> {
  const sequenceRefs = new Set(entries.filter((e) => e.kind === 'SEQUENCE' && e.ref?.classid === pgClass).map((e) => e.ref!.objid));
  const tableRefs = new Set(entries.filter((e) => e.kind === 'TABLE' && e.ref?.classid === pgClass).map((e) => e.ref!.objid));
  const existing = new Set(entries.filter((e) => e.kind === 'SEQUENCE SET').map((e) => e.id));
  if (sequenceRefs.size === 0 && tableRefs.size === 0) return { entries: [], unreadable: [], values: new Map() };
  const { rows } = await client.query<SequenceRow>(sequencesSql);
  const dumped = rows.filter(
    (row) =>
      (sequenceRefs.has(Number(row.oid)) || (row.identity_of !== null && tableRefs.has(Number(row.identity_of)))) &&
      !existing.has(sequenceSetId(row.schema, row.name)),
  );
  const unreadable = dumped.filter((row) => !row.readable);
  const readable = dumped.filter((row) => row.readable);
  const out: TocEntry[] = [];
  const values: SequenceSetResult['values'] = new Map();
  for (let i = 0; i < readable.length; i += batchSize) {
    const batch = readable.slice(i, i + batchSize);
    const sql = batch
      .map((s, j) => `SELECT ${j} AS i, last_value::text AS last_value, is_called FROM ${quoteQualified(s.schema, s.name)}`)
      .join(' UNION ALL ');
    const result = await client.query<{ i: number; last_value: string; is_called: boolean }>(sql);
    for (const row of [...result.rows].sort((a, b) => a.i - b.i)) {
      const seq = batch[row.i]!;
      const entry = sequenceSetEntry(seq, row.last_value, row.is_called);
      out.push(entry);
      values.set(entry.id, { sequence: displayName(seq.schema, seq.name), lastValue: row.last_value, isCalled: row.is_called });
    }
  }
  return { entries: out, values, unreadable: unreadable.map((row) => ({ schema: row.schema, name: row.name, schemaUsage: row.schema_usage })) };
}

export function sequenceSetId(schema: string, name: string): string {
  return `SEQUENCE SET ${quoteQualified(schema, name)}`;
}

function sequenceSetEntry(seq: SequenceRow, lastValue: string, isCalled: boolean): TocEntry {
  if (!/^-?\d+$/.test(lastValue)) throw new Error(`unexpected last_value ${lastValue} of ${quoteQualified(seq.schema, seq.name)}`);
  return {
    id: sequenceSetId(seq.schema, seq.name),
    kind: 'SEQUENCE SET',
    section: 'data',
    schema: seq.schema,
    name: seq.name,
    ref: null,
    dependsOn: [{ classid: pgClass, objid: Number(seq.oid) }],
    sql: `SELECT pg_catalog.setval(${quoteLiteral(quoteQualified(seq.schema, seq.name))}, ${lastValue}, ${isCalled});\n`,
  };
}
