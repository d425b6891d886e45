// Pure builders of sequence DDL in pg_dump's layout: CREATE SEQUENCE for
// standalone and serial sequences, ALTER TABLE … ADD GENERATED … AS IDENTITY
// for identity sequences (created with their column), OWNED BY.
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';

export interface SequenceParts {
  /** format_type of seqtypid: smallint, integer or bigint. */
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
}

const typeRange: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/** The option lines shared by CREATE SEQUENCE and the identity clause (without AS). */
export function sequenceOptionLines(parts: SequenceParts): string[] {
  const [typeMin, typeMax] = typeRange[parts.type] ?? typeRange.bigint!;
  const ascending = BigInt(parts.increment) > 0n;
  const defaultMin = ascending ? 1n : typeMin;
  const defaultMax = ascending ? typeMax : -1n;
  const lines = [`START WITH ${parts.start}`, `INCREMENT BY ${parts.increment}`];
  lines.push(BigInt(parts.min) === defaultMin ? 'NO MINVALUE' : `MINVALUE ${parts.min}`);
  lines.push(BigInt(parts.max) === defaultMax ? 'NO MAXVALUE' : `MAXVALUE ${parts.max}`);
  lines.push(`CACHE ${parts.cache}`);
  if (parts.cycle) lines.push('CYCLE');
  return lines;
}

export function buildCreateSequence(schema: string, name: string, parts: SequenceParts, unlogged: boolean): string {
  const lines = [...(parts.type === 'bigint' ? [] : [`AS ${parts.type}`]), ...sequenceOptionLines(parts)];
  return `CREATE ${unlogged ? 'UNLOGGED ' : ''}SEQUENCE ${quoteQualified(schema, name)}\n${lines.map((l) => `    ${l}`).join('\n')};\n`;
}

export function buildAddIdentity(
  table: { schema: string; name: string; column: string; always: boolean },
  sequence: { schema: string; name: string },
  parts: SequenceParts,
): string {
  const lines = [`SEQUENCE NAME ${quoteQualified(sequence.schema, sequence.name)}`, ...sequenceOptionLines(parts)];
  return (
    `ALTER TABLE ${quoteQualified(table.schema, table.name)} ALTER COLUMN ${quoteIdent(table.column)} ` +
    `ADD GENERATED ${table.always ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY (\n${lines.map((l) => `    ${l}`).join('\n')}\n);\n`
  );
}

export function buildOwnedBy(sequence: { schema: string; name: string }, table: { schema: string; name: string; column: string }): string {
  return `ALTER SEQUENCE ${quoteQualified(sequence.schema, sequence.name)} OWNED BY ${quoteQualified(table.schema, table.name)}.${quoteIdent(table.column)};\n`;
}
