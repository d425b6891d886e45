import { parseManifest, serializeManifest } from '../../../lib/archive/manifest.js';
import type { Manifest } from '../../../lib/archive/manifest-types.js';
import { sha256Of } from './support.js';

function sampleManifest(): Manifest {
  return {
    formatVersion: 1,
    pgbak: { version: '0.1.0' },
    profile: { name: 'nightly', source: 'built-in', file: 'profiles/nightly.yaml', sha256: sha256Of('profile') },
    source: {
      host: 'db.internal',
      port: 5432,
      user: 'backup',
      database: 'app',
      sslmode: 'require',
      serverVersion: { text: '16.4 (Debian 16.4-1.pgdg120+1)', major: 16, minor: 4 },
    },
    startedAt: '2026-11-22T01:00:00.000Z',
    finishedAt: '2026-11-22T01:02:03.456Z',
    status: 'complete',
    steps: [
      {
        name: 'app',
        kind: 'full',
        database: 'app',
        format: 'custom',
        engine: 'pg_dump',
        tool: { name: 'pg_dump', path: '/usr/bin/pg_dump', version: '16.4' },
        command: ['/usr/bin/pg_dump', '--format=custom', '--dbname=app'],
        startedAt: '2026-11-22T01:00:00.100Z',
        finishedAt: '2026-11-22T01:02:03.000Z',
        snapshot: null,
        entries: [{ name: 'app/app.dump', bytes: 1234, sha256: sha256Of('dump'), compressed: false }],
        rowCounts: { mode: 'exact', tables: { '"public"."users"': 10, '"weird ""schema"""."t"': null } },
        sequences: { '"public"."users_id_seq"': { lastValue: '9223372036854775807', isCalled: true } },
        largeObjects: 0,
        warnings: [],
      },
      {
        name: 'globals',
        kind: 'globals-only',
        database: null,
        format: 'plain',
        engine: 'pg_dump',
        tool: { name: 'pg_dumpall', path: '/usr/bin/pg_dumpall', version: '16.4' },
        command: ['/usr/bin/pg_dumpall', '--globals-only'],
        startedAt: '2026-11-22T01:02:03.100Z',
        finishedAt: '2026-11-22T01:02:03.400Z',
        snapshot: null,
        entries: [{ name: 'globals.sql', bytes: 99, sha256: sha256Of('globals'), compressed: true }],
        rowCounts: null,
        sequences: null,
        largeObjects: null,
        warnings: ['pg_dumpall: warning: something'],
      },
    ],
    log: { entry: 'pgbak.log' },
  };
}

function shuffleKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(shuffleKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, inner]) => [key, shuffleKeys(inner)]),
  ) as T;
}

describe('manifest', () => {
  it('round-trips through serializeManifest and parseManifest', () => {
    const manifest = sampleManifest();
    expect(parseManifest(serializeManifest(manifest).toString('utf8'))).toEqual(manifest);
  });

  it('writes pretty JSON with keys in declared order whatever order the object was built in', () => {
    const text = serializeManifest(shuffleKeys(sampleManifest())).toString('utf8');
    expect(text).toBe(serializeManifest(sampleManifest()).toString('utf8'));
    expect(Object.keys(JSON.parse(text))).toEqual([
      'formatVersion', 'pgbak', 'profile', 'source', 'startedAt', 'finishedAt', 'status', 'steps', 'log',
    ]);
    expect(text).toMatch(/^\{\n {2}"formatVersion": 1,\n/);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('keeps the values the dump sets (dumpedSequences) beside the snapshot reading, keys sorted', () => {
    const manifest = sampleManifest();
    manifest.steps[0]!.dumpedSequences = { 'public.z_seq': { lastValue: '9', isCalled: true }, 'public.a_seq': { lastValue: '1', isCalled: false } };
    const text = serializeManifest(manifest).toString('utf8');
    expect(parseManifest(text)).toEqual(manifest);
    expect(text.indexOf('"public.a_seq"')).toBeLessThan(text.indexOf('"public.z_seq"'));
    // Absent (pg_dump steps, older archives) stays absent.
    expect(serializeManifest(sampleManifest()).toString('utf8')).not.toContain('dumpedSequences');
  });

  it('omits sslmode when none was set', () => {
    const manifest = sampleManifest();
    delete manifest.source.sslmode;
    expect(serializeManifest(manifest).toString('utf8')).not.toContain('sslmode');
  });

  it('refuses to write an invalid manifest', () => {
    const manifest = sampleManifest();
    manifest.steps[0]!.entries[0]!.sha256 = 'not-a-digest';
    expect(() => serializeManifest(manifest)).toThrow(/steps\.0\.entries\.0\.sha256/);
  });

  it('reports text that is not JSON as ARCHIVE_INVALID', () => {
    expect(() => parseManifest('{"formatVersion":', '/b/x.zip')).toThrow(
      expect.objectContaining({
        code: 'ARCHIVE_INVALID',
        message: expect.stringMatching(/^\/b\/x\.zip is not a readable pgbak archive: manifest\.json is not JSON/),
      }),
    );
  });

  it('reports a manifest with a wrong field as ARCHIVE_INVALID naming the path of the field', () => {
    const broken = { ...sampleManifest(), startedAt: 'yesterday' };
    expect(() => parseManifest(JSON.stringify(broken), '/b/x.zip')).toThrow(
      expect.objectContaining({ code: 'ARCHIVE_INVALID', message: expect.stringContaining('startedAt') }),
    );
  });

  it('tells a manifest from a newer pgbak apart from a broken one', () => {
    const newer = { ...sampleManifest(), formatVersion: 2 };
    expect(() => parseManifest(JSON.stringify(newer))).toThrow(
      expect.objectContaining({ code: 'ARCHIVE_INVALID', hint: 'Use a newer pgbak to read this archive.', exitCode: 2 }),
    );
  });

  it('reads a manifest carrying fields a later pgbak added within format 1', () => {
    const later = { ...sampleManifest(), restore: { hint: 'pg_restore' } };
    expect(parseManifest(JSON.stringify(later))).toEqual(sampleManifest());
  });
});
