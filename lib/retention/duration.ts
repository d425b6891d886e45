import { PgbakError } from '../errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `26h`, `90m`, `7d`, `1w`, `1d12h`, `30s` → milliseconds. A bare number is refused:
 * nobody should have to guess whether 26 means hours or days.
 */
export function parseDuration(text: string, flag = '--max-age'): number {
  const trimmed = text.trim().toLowerCase();
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)\s*(min|s|m|h|d|w)/g)];
  const consumed = parts.map((part) => part[0]).join('');
  if (parts.length === 0 || consumed.replace(/\s/g, '') !== trimmed.replace(/\s/g, '')) {
    throw new PgbakError('USAGE', `${flag} "${text}" is not a duration`, { hint: 'use a number with a unit: 90m, 26h, 7d, 1w (or combined: 1d12h)' });
  }
  const ms = parts.reduce((sum, part) => sum + Number(part[1]) * UNIT_MS[part[2]!]!, 0);
  if (!(ms > 0)) throw new PgbakError('USAGE', `${flag} must be longer than zero, got "${text}"`, { hint: 'e.g. 26h for a nightly backup' });
  return ms;
}
