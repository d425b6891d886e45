import type { z } from 'zod';
import { ExitCode, PgbakError } from '../errors.js';
import { archiveInvalid } from './archive-invalid.js';
import { manifestSchema } from './manifest-schema.js';
import { MANIFEST_ENTRY, MANIFEST_FORMAT_VERSION, type Manifest } from './manifest-types.js';

/**
 * The manifest as pretty JSON with keys in declared order, whatever order the
 * caller built the object in, and table / sequence keys sorted, so identical runs
 * give identical manifests.
 * Refuses to write a manifest this pgbak could not read back.
 */
export function serializeManifest(manifest: Manifest): Buffer {
  const result = manifestSchema.safeParse(manifest);
  if (!result.success) {
    throw new PgbakError('INTERNAL', `refusing to write an invalid manifest: ${describeIssues(result.error)}`);
  }
  // zod rebuilds objects in schema order, which is what makes the key order stable;
  // records have no declared order, so they are sorted.
  const steps = result.data.steps.map((step) => ({
    ...step,
    rowCounts: step.rowCounts && { ...step.rowCounts, tables: sortKeys(step.rowCounts.tables) },
    sequences: step.sequences && sortKeys(step.sequences),
    ...(step.dumpedSequences ? { dumpedSequences: sortKeys(step.dumpedSequences) } : {}),
  }));
  return Buffer.from(`${JSON.stringify({ ...result.data, steps }, null, 2)}\n`, 'utf8');
}

/** Parses and validates manifest text; `archivePath` names the archive in errors. */
export function parseManifest(text: string, archivePath = 'the archive'): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw archiveInvalid(archivePath, `${MANIFEST_ENTRY} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > MANIFEST_FORMAT_VERSION) {
    throw archiveInvalid(archivePath, `its manifest format ${version} is newer than this pgbak reads (${MANIFEST_FORMAT_VERSION})`, {
      hint: 'Use a newer pgbak to read this archive.',
      // Not damage: the installed pgbak is too old for it (verify must not call it a failed backup).
      exitCode: ExitCode.usage,
    });
  }
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    throw archiveInvalid(archivePath, `${MANIFEST_ENTRY} is invalid: ${describeIssues(result.error)}`, {
      cause: result.error,
    });
  }
  return result.data;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// One line for the terminal: the first few problems, each with its path in the manifest.
function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}
