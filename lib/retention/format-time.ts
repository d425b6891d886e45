// How times look in `list`, `prune` and `status`: UTC, like the archive names.

/** `2026-11-22 01:00:00Z`. */
export function formatUtc(iso: string): string {
  return new Date(iso).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** An age for people: `45s`, `12m`, `5h 3m`, `3d 4h`, `-2m` (a timestamp in the future). */
export function formatAge(ms: number): string {
  if (ms < 0) return `-${formatAge(-ms)}`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}
