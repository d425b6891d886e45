// Calendar buckets for the retention rule, always in UTC: a backup belongs to the
// same day, week, month and year wherever and whenever pgbak looks at it.

/** A time-based retention rule's period. */
export type Period = 'daily' | 'weekly' | 'monthly' | 'yearly';

const DAY_MS = 86_400_000;

/** The bucket a moment falls in for `period`: `2024-02-29`, `2020-W53`, `2024-02`, `2024`. */
export function periodKey(period: Period, at: Date): string {
  switch (period) {
    case 'daily':
      return at.toISOString().slice(0, 10);
    case 'weekly':
      return isoWeek(at);
    case 'monthly':
      return at.toISOString().slice(0, 7);
    case 'yearly':
      return String(at.getUTCFullYear()).padStart(4, '0');
  }
}

/**
 * ISO 8601 week `YYYY-Www` (weeks start on Monday; week 1 holds the year's first
 * Thursday), so 2021-01-03 is `2020-W53` and 2024-12-30 is `2025-W01`.
 */
export function isoWeek(at: Date): string {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const weekday = (at.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  // The Thursday of this week decides which year the week belongs to.
  const thursday = new Date(day + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7);
  return `${String(year).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}
