// Pure builders of CREATE TYPE / CREATE DOMAIN statements, in pg_dump's layout.
import { quoteIdent, quoteLiteral, quoteQualified } from '../../../sql/quote.js';

export function buildCreateEnum(schema: string, name: string, labels: readonly string[]): string {
  const body = labels.map((label) => `    ${quoteLiteral(label)}`).join(',\n');
  return `CREATE TYPE ${quoteQualified(schema, name)} AS ENUM (\n${body}${labels.length > 0 ? '\n' : ''});\n`;
}

export interface CompositeAttribute {
  name: string;
  /** format_type() of the attribute. */
  type: string;
  /** Qualified, quoted collation when it differs from the type's default, else null. */
  collation: string | null;
}

export function buildCreateComposite(schema: string, name: string, attributes: readonly CompositeAttribute[]): string {
  const body = attributes
    .map((a) => `\t${quoteIdent(a.name)} ${a.type}${a.collation === null ? '' : ` COLLATE ${a.collation}`}`)
    .join(',\n');
  return `CREATE TYPE ${quoteQualified(schema, name)} AS (\n${body}${attributes.length > 0 ? '\n' : ''});\n`;
}

export interface RangeParts {
  subtype: string;
  /** Qualified multirange type name (PG 14+), already quoted. */
  multirange: string | null;
  /** Quoted, qualified operator class when not the subtype's default. */
  opclass: string | null;
  /** Quoted, qualified collation when not the subtype's. */
  collation: string | null;
  /** regproc text of the canonical / subtype_diff functions, when set. */
  canonical: string | null;
  subtypeDiff: string | null;
}

export function buildCreateRange(schema: string, name: string, parts: RangeParts): string {
  const lines = [`    subtype = ${parts.subtype}`];
  if (parts.multirange !== null) lines.push(`    multirange_type_name = ${parts.multirange}`);
  if (parts.opclass !== null) lines.push(`    subtype_opclass = ${parts.opclass}`);
  if (parts.collation !== null) lines.push(`    collation = ${parts.collation}`);
  if (parts.canonical !== null) lines.push(`    canonical = ${parts.canonical}`);
  if (parts.subtypeDiff !== null) lines.push(`    subtype_diff = ${parts.subtypeDiff}`);
  return `CREATE TYPE ${quoteQualified(schema, name)} AS RANGE (\n${lines.join(',\n')}\n);\n`;
}

export interface DomainParts {
  baseType: string;
  collation: string | null;
  notNull: boolean;
  /** pg_get_expr of the default, or null. */
  default: string | null;
  /** Validated CHECK constraints: name and pg_get_constraintdef. */
  checks: ReadonlyArray<{ name: string; definition: string }>;
}

export function buildCreateDomain(schema: string, name: string, parts: DomainParts): string {
  let sql = `CREATE DOMAIN ${quoteQualified(schema, name)} AS ${parts.baseType}`;
  if (parts.collation !== null) sql += ` COLLATE ${parts.collation}`;
  if (parts.notNull) sql += ' NOT NULL';
  if (parts.default !== null) sql += ` DEFAULT ${parts.default}`;
  for (const check of parts.checks) sql += `\n\tCONSTRAINT ${quoteIdent(check.name)} ${check.definition}`;
  return `${sql};\n`;
}
