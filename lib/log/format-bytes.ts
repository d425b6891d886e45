const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Binary units with one decimal: `512 B`, `1.0 KiB`, `123.4 MiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  let value = bytes;
  let unit = 'B';
  for (const next of UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  // 1023.96 KiB would print as "1024.0 KiB"; step up a unit instead.
  if (value.toFixed(1) === '1024.0' && unit !== UNITS[UNITS.length - 1]) {
    value /= 1024;
    unit = UNITS[UNITS.indexOf(unit) + 1] ?? unit;
  }
  return `${value.toFixed(1)} ${unit}`;
}
