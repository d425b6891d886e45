// The Prometheus text exposition format (version 0.0.4), as much of it as pgbak
// writes and reads back: HELP and TYPE lines, samples with escaped label values, no
// timestamps. Reading is for the textfile merge: series of other groups are kept.
import { ALL_FAMILIES, GROUP_LABELS } from './families.js';

/** One series and its value. */
export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** Samples with the HELP/TYPE lines read for them (families pgbak does not know keep theirs). */
export interface Exposition {
  samples: Sample[];
  /** HELP and TYPE of families read from text, by name. */
  read: Map<string, { help?: string; type?: string }>;
}

/** The media type of what {@link renderExposition} writes. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A label value as the format wants it: backslash, double quote and newline escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function labelOrder(labels: Readonly<Record<string, string>>): string[] {
  const group = GROUP_LABELS.filter((name) => name in labels);
  const rest = Object.keys(labels)
    .filter((name) => !(GROUP_LABELS as readonly string[]).includes(name))
    .sort();
  return [...group, ...rest];
}

/** `name{a="x",b="y"}`: the series as written (and the key samples are told apart by). */
export function seriesText(sample: Pick<Sample, 'name' | 'labels'>): string {
  const names = labelOrder(sample.labels);
  if (names.length === 0) return sample.name;
  return `${sample.name}{${names.map((name) => `${name}="${escapeLabelValue(sample.labels[name]!)}"`).join(',')}}`;
}

/**
 * The exposition text: pgbak's families in their fixed order, then any other family
 * kept from a file (sorted by name), each with HELP and TYPE, its series sorted.
 * Families without samples are left out.
 */
export function renderExposition(exposition: Pick<Exposition, 'samples'> & Partial<Pick<Exposition, 'read'>>): string {
  const byName = new Map<string, Sample[]>();
  for (const sample of exposition.samples) {
    const list = byName.get(sample.name) ?? [];
    list.push(sample);
    byName.set(sample.name, list);
  }
  const known = new Map(ALL_FAMILIES.map((family) => [family.name, family]));
  const names = [...ALL_FAMILIES.map((family) => family.name), ...[...byName.keys()].filter((name) => !known.has(name)).sort()];
  const lines: string[] = [];
  for (const name of names) {
    const samples = byName.get(name);
    if (!samples || samples.length === 0) continue;
    const family = known.get(name);
    const read = exposition.read?.get(name);
    lines.push(`# HELP ${name} ${escapeHelp(family?.help ?? read?.help ?? 'Kept as read from an earlier write.')}`);
    lines.push(`# TYPE ${name} ${family ? 'gauge' : (read?.type ?? 'untyped')}`);
    const written = samples.map((sample) => [seriesText(sample), formatValue(sample.value)] as const);
    written.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // One value per series: the last one given wins.
    const unique = new Map(written);
    for (const [series, value] of unique) lines.push(`${series} ${value}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * Reads exposition text, keeping the samples (and HELP/TYPE) of the families `keep`
 * accepts. Lines that do not parse are skipped and counted: a file someone edited by
 * hand is no reason to lose every other group's series.
 */
export function parseExposition(text: string, keep: (name: string) => boolean): Exposition & { skipped: number } {
  const samples: Sample[] = [];
  const read = new Map<string, { help?: string; type?: string }>();
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const meta = /^#\s*(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (!keep(name!)) continue;
      const entry = read.get(name!) ?? {};
      if (kind === 'HELP') entry.help = unescapeHelp(rest ?? '');
      else entry.type = (rest ?? 'untyped').trim();
      read.set(name!, entry);
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = parseSample(line);
    if (sample === null) skipped++;
    else if (keep(sample.name)) samples.push(sample);
  }
  return { samples, read, skipped };
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** One sample line (`name{labels} value [timestamp]`), or null when it does not read. */
export function parseSample(line: string): Sample | null {
  const head = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!head) return null;
  const name = head[0];
  let at = name.length;
  let labels: Record<string, string> = {};
  if (line[at] === '{') {
    const parsed = parseLabels(line, at + 1);
    if (parsed === null) return null;
    labels = parsed.labels;
    at = parsed.end;
  }
  const rest = line.slice(at);
  const tokens = /^\s+(\S+)(?:\s+(-?\d+))?\s*$/.exec(rest);
  if (!tokens) return null;
  const value = parseValue(tokens[1]!);
  return value === null ? null : { name, labels, value };
}

function parseValue(token: string): number | null {
  if (token === 'NaN') return NaN;
  if (token === '+Inf' || token === 'Inf') return Infinity;
  if (token === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(token)) return null;
  return Number(token);
}

// From just after "{" to just after the matching "}".
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } | null {
  const labels: Record<string, string> = {};
  let at = start;
  const skipSpace = () => {
    while (line[at] === ' ' || line[at] === '\t') at++;
  };
  for (;;) {
    skipSpace();
    if (line[at] === '}') return { labels, end: at + 1 };
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(at));
    if (!name) return null;
    at += name[0].length;
    skipSpace();
    if (line[at] !== '=') return null;
    at++;
    skipSpace();
    if (line[at] !== '"') return null;
    at++;
    let value = '';
    for (;;) {
      const c = line[at];
      if (c === undefined) return null;
      at++;
      if (c === '"') break;
      if (c !== '\\') {
        value += c;
        continue;
      }
      const next = line[at++];
      if (next === '\\') value += '\\';
      else if (next === '"') value += '"';
      else if (next === 'n') value += '\n';
      else return null;
    }
    if (name[0] in labels) return null;
    labels[name[0]] = value;
    skipSpace();
    if (line[at] === ',') at++;
    else if (line[at] !== '}') return null;
  }
}
