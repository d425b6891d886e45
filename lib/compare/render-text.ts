// The human report of a comparison: grouped by what happened to each object,
// each group in a stable order, with only what differs shown for changed ones.
import type { DifferentObject, Drift, DriftChange, DriftObject } from './diff.js';

export interface SideLabel {
  /** Where the side was read from, password never included. */
  label: string;
  serverVersion: string;
}

export function renderDrift(drift: Drift, sides: { source: SideLabel; target: SideLabel }): string {
  const lines = [
    `source: ${sides.source.label} (PostgreSQL ${sides.source.serverVersion})`,
    `target: ${sides.target.label} (PostgreSQL ${sides.target.serverVersion})`,
  ];
  const total = drift.missing.length + drift.extra.length + drift.different.length;
  if (total === 0) {
    lines.push('', 'No drift: the target has the shape of the source.');
    return lines.join('\n');
  }
  group(lines, 'Missing in target', drift.missing, (object) => [`  ${object.id}`]);
  group(lines, 'Extra in target', drift.extra, (object) => [`  ${object.id}`]);
  group(lines, 'Different', drift.different, describeDifferent);
  lines.push('', `Drift: ${drift.missing.length} missing in target, ${drift.extra.length} extra in target, ${drift.different.length} different.`);
  return lines.join('\n');
}

function group<T extends DriftObject>(lines: string[], title: string, objects: T[], describe: (object: T) => string[]): void {
  if (objects.length === 0) return;
  lines.push('', `${title} (${objects.length}):`);
  for (const object of objects) lines.push(...describe(object));
}

function describeDifferent(object: DifferentObject): string[] {
  return [`  ${object.id}`, ...object.changes.flatMap(describeChange)];
}

function describeChange(change: DriftChange): string[] {
  const multiline = (change.source ?? '').includes('\n') || (change.target ?? '').includes('\n') || change.what === 'definition';
  if (!multiline) return [`    ${change.what}: ${change.source ?? '(absent)'} → ${change.target ?? '(absent)'}`];
  const side = (prefix: string, text: string | null) => (text === null ? [] : text.split('\n').map((line) => `      ${prefix} ${line}`));
  return [`    ${change.what}:`, ...side('-', change.source), ...side('+', change.target)];
}
