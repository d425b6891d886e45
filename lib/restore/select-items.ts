import type { Manifest, ManifestStep } from '../archive/index.js';
import { PgbakError } from '../errors.js';
import type { RestoreInput, RestoreItem } from './types.js';

/** Which part of an archive to restore, and where to. */
export interface Selection {
  entry?: string | undefined;
  database?: string | undefined;
  globals?: boolean | undefined;
  target?: string | undefined;
  /** Database the globals entry is restored into. */
  maintenanceDb: string;
}

/**
 * Chooses the manifest steps to restore, in the order they were dumped: every
 * database step by default, the one named by `entry` or `database`, and the
 * globals step (first, so roles exist before objects are owned) only when asked.
 * @throws PgbakError USAGE when the selection matches nothing or `target` is ambiguous.
 */
export function selectItems(manifest: Manifest, selection: Selection): RestoreItem[] {
  const databaseSteps = manifest.steps.filter((step) => step.database !== null && step.entries.length > 0);
  const globalsSteps = manifest.steps.filter((step) => step.database === null && step.entries.length > 0);
  const narrowed = selection.entry !== undefined || selection.database !== undefined;
  let chosen = databaseSteps;
  if (selection.entry !== undefined) chosen = chosen.filter((step) => namesEntry(step, selection.entry!));
  if (selection.database !== undefined) chosen = chosen.filter((step) => step.database === selection.database);
  if (narrowed && chosen.length === 0) {
    const known = databaseSteps.flatMap((step) => step.entries.map((e) => e.name)).join(', ') || 'none';
    throw new PgbakError('USAGE', `no database entry of the archive matches ${describe(selection)}`, {
      hint: `database entries: ${known} (pgbak restore <zip> --list shows them)`,
    });
  }
  // --globals alone restores the globals only; with --entry/--database, both.
  if (selection.globals && !narrowed) chosen = [];
  if (selection.globals && globalsSteps.length === 0) {
    throw new PgbakError('USAGE', 'the archive has no globals entry', { hint: 'back up with the nightly or globals-only profile to get one' });
  }
  if (chosen.length === 0 && !selection.globals) {
    throw new PgbakError('USAGE', 'the archive has no database entry to restore', { hint: 'use --globals for a globals-only backup' });
  }
  const databases = new Set(chosen.map((step) => step.database));
  if (selection.target !== undefined && databases.size > 1) {
    throw new PgbakError('USAGE', `--target needs one database, but the archive holds ${databases.size}: ${[...databases].join(', ')}`, {
      hint: 'pick one with --database <name> or --entry <name>, or leave --target out to restore each under its own name',
    });
  }
  const globals = selection.globals ? globalsSteps.map((step) => toItem(step, selection.maintenanceDb)) : [];
  return [...globals, ...chosen.map((step) => toItem(step, selection.target ?? step.database!))];
}

function namesEntry(step: ManifestStep, name: string): boolean {
  const prefix = directoryPrefix(step) ?? splitPrefix(step);
  if (prefix !== null) return name === prefix || `${name}/` === prefix || step.entries.some((e) => e.name === name);
  return step.entries.some((e) => e.name === name);
}

function toItem(step: ManifestStep, target: string): RestoreItem {
  return {
    step: step.name,
    database: step.database,
    format: step.format,
    input: inputOf(step),
    target,
    dumpVersion: step.tool.version,
    kind: step.kind,
    engine: step.engine,
    ...(step.databaseDefinition ? { databaseDefinition: step.databaseDefinition } : {}),
  };
}

/** Where a step's output lies in the zip. */
export function inputOf(step: ManifestStep): RestoreInput {
  const prefix = directoryPrefix(step);
  if (prefix !== null) return { type: 'directory', prefix, entries: step.entries.map((e) => e.name) };
  const split = splitPrefix(step);
  if (split !== null) {
    return {
      type: 'split',
      prefix: split,
      entries: step.entries.map((e) => e.name),
      parts: step.entries.map((e) => ({ name: e.name, role: e.role!, ...(e.table !== undefined ? { table: e.table } : {}), bytes: e.bytes, sha256: e.sha256 })),
    };
  }
  const name = step.entries[0]!.name;
  return { type: 'entry', name, gunzip: step.format === 'plain' && name.endsWith('.gz') };
}

// A directory-format step's entries share the prefix of its toc.dat.
function directoryPrefix(step: ManifestStep): string | null {
  if (step.format !== 'directory') return null;
  const toc = step.entries.find((e) => e.name.endsWith('/toc.dat'));
  return toc ? toc.name.slice(0, -'toc.dat'.length) : null;
}

// A split native dump's entries share the prefix of its top-level script.
function splitPrefix(step: ManifestStep): string | null {
  if (step.layout !== 'split') return null;
  const script = step.entries.find((e) => e.role === 'script');
  return script ? script.name.slice(0, script.name.lastIndexOf('/') + 1) : null;
}

function describe(selection: Selection): string {
  const parts = [];
  if (selection.entry !== undefined) parts.push(`--entry ${selection.entry}`);
  if (selection.database !== undefined) parts.push(`--database ${selection.database}`);
  return parts.join(' and ');
}
