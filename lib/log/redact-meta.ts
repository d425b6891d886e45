import type { Redactor } from './redact.js';

// Fields whose value is a secret whatever it looks like.
const SECRET_KEY = /(password|passwd|passphrase|secret|token)$/i;
const MAX_DEPTH = 8;

/**
 * Returns a JSON-friendly copy of log metadata with every string redacted and the
 * values of password-like keys masked. Errors become { name, message, code };
 * bigints become strings; cycles and deep nesting are cut.
 */
export function redactMeta(meta: Record<string, unknown>, redact: Redactor): Record<string, unknown> {
  return redactObject(meta, redact, new WeakSet(), 0);
}

function redactValue(value: unknown, redact: Redactor, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
  seen.add(value);
  try {
    if (value instanceof Error) return redactObject(errorFields(value), redact, seen, depth + 1);
    if (Array.isArray(value)) return value.map((item) => redactValue(item, redact, seen, depth + 1));
    return redactObject(value as Record<string, unknown>, redact, seen, depth + 1);
  } finally {
    // Only ancestors count as cycles; the same object twice side by side is fine.
    seen.delete(value);
  }
}

function redactObject(object: Record<string, unknown>, redact: Redactor, seen: WeakSet<object>, depth: number): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (SECRET_KEY.test(key) && value !== undefined && value !== null && value !== '') copy[key] = '***';
    else copy[key] = redactValue(value, redact, seen, depth);
  }
  return copy;
}

function errorFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) fields.code = code;
  return fields;
}
