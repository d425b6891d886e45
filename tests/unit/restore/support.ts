import type { Manifest, ManifestStep } from '../../../lib/archive/index.js';

const sha = 'a'.repeat(64);

/** A manifest step with sensible defaults. */
export function step(overrides: Partial<ManifestStep> & Pick<ManifestStep, 'name'>): ManifestStep {
  return {
    kind: 'full',
    database: 'app',
    format: 'custom',
    engine: 'pg_dump',
    tool: { name: 'pg_dump', path: '/usr/bin/pg_dump', version: '15.18' },
    command: [],
    startedAt: '2026-11-22T01:00:00.000Z',
    finishedAt: '2026-11-22T01:00:01.000Z',
    snapshot: null,
    entries: [{ name: `${overrides.name}/app.dump`, bytes: 10, sha256: sha, compressed: false }],
    rowCounts: null,
    sequences: null,
    largeObjects: null,
    warnings: [],
    ...overrides,
  };
}

/** A manifest holding `steps`. */
export function manifest(steps: ManifestStep[]): Manifest {
  return {
    formatVersion: 1,
    pgbak: { version: '0.1.0' },
    profile: { name: 'nightly', source: 'built-in', file: 'profiles/nightly.yaml', sha256: sha },
    source: { host: 'db', port: 5432, user: 'backup', database: 'app', serverVersion: { text: '15.18', major: 15, minor: 18 } },
    startedAt: '2026-11-22T01:00:00.000Z',
    finishedAt: '2026-11-22T01:00:02.000Z',
    status: 'complete',
    steps,
    log: { entry: 'pgbak.log' },
  };
}

export const globalsStep = (): ManifestStep =>
  step({ name: 'globals', kind: 'globals-only', database: null, format: 'plain', entries: [{ name: 'globals/globals.sql', bytes: 5, sha256: sha, compressed: true }] });
