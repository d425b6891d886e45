// Names for the DDL compare writes, taken from the native engine's entry ids:
// those are already quoted SQL (`TABLE "s"."t"`, `INDEX "s"."i"`, for table
// members `CONSTRAINT "s"."t" "c"`), so nothing is re-quoted or guessed.
import type { ModelObject } from './model.js';

/** The SQL name part of an object's id: `"s"."t"`, `"s"."f"(integer)`, `TABLE "s"."t"` for a COMMENT. */
export function sqlName(object: Pick<ModelObject, 'id' | 'kind'>): string {
  const prefix = `${object.kind} `;
  if (!object.id.startsWith(prefix)) throw new Error(`unexpected entry id ${object.id} for kind ${object.kind}`);
  return object.id.slice(prefix.length);
}

const quotedIdentifier = /"(?:[^"]|"")*"/g;

/** The quoted identifiers of `text`, in order. */
export function quotedIdentifiers(text: string): string[] {
  return text.match(quotedIdentifier) ?? [];
}

/** `"s"."t" "c"` → table `"s"."t"` and member `"c"` (constraints, triggers, rules, policies, defaults). */
export function memberName(object: Pick<ModelObject, 'id' | 'kind'>): { table: string; member: string } {
  const parts = quotedIdentifiers(sqlName(object));
  if (parts.length !== 3) throw new Error(`entry id ${object.id} does not name a table member`);
  return { table: `${parts[0]}.${parts[1]}`, member: parts[2]! };
}

/** The qualified name that follows `prefix` at the start of `sql` (`ALTER TABLE ONLY "s"."t" …` → `"s"."t"`). */
export function qualifiedAfter(sql: string, prefix: string): string | null {
  if (!sql.startsWith(prefix)) return null;
  const match = /^"(?:[^"]|"")*"\."(?:[^"]|"")*"/.exec(sql.slice(prefix.length));
  return match ? match[0] : null;
}
