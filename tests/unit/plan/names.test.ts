import { archiveName, formatTimestamp, safeName } from '../../../lib/plan/names.js';

describe('safeName', () => {
  it.each(['app', 'App_2', 'my-db.v1', 'a.b'])('keeps the safe name %j as it is', (name) => {
    expect(safeName(name)).toBe(name);
  });

  it.each([
    ['my db', /^my_db-[0-9a-f]{8}$/],
    ['a/b', /^a_b-[0-9a-f]{8}$/],
    ['..', /^_-[0-9a-f]{8}$/],
    ['.hidden', /^_hidden-[0-9a-f]{8}$/],
    ['café', /^caf_-[0-9a-f]{8}$/],
    ['"quoted"', /^_quoted_-[0-9a-f]{8}$/],
    ['', /^-[0-9a-f]{8}$/],
  ])('replaces the unsafe characters of %j and adds a hash', (name, expected) => {
    expect(safeName(name)).toMatch(expected);
  });

  it('gives names that clean up alike different hashes, the same name the same hash', () => {
    expect(safeName('a b')).not.toBe(safeName('a/b'));
    expect(safeName('a b')).toBe(safeName('a b'));
    expect(safeName('a b')).not.toBe('a_b');
  });

  it('keeps a long unsafe name short', () => {
    expect(safeName(`${'x'.repeat(200)} `).length).toBe(60 + 1 + 8);
  });

  it('never returns a name starting with a dot or holding a slash', () => {
    for (const name of ['.', '..', '...x', '/', '\\', '../..', '.\u0000']) {
      const safe = safeName(name);
      expect(safe.startsWith('.')).toBe(false);
      expect(safe).not.toMatch(/[/\\\0]/);
    }
  });
});

describe('formatTimestamp and archiveName', () => {
  it('formats UTC without separators or milliseconds', () => {
    expect(formatTimestamp(new Date('2026-11-22T01:00:00.999Z'))).toBe('20261122T010000Z');
  });

  it('names the archive profile-database-timestamp.zip with safe parts', () => {
    expect(archiveName('nightly', 'app', new Date('2026-11-22T01:00:00Z'))).toBe('nightly-app-20261122T010000Z.zip');
    expect(archiveName('nightly', '../../etc', new Date('2026-11-22T01:00:00Z'))).toMatch(/^nightly-__.._etc-[0-9a-f]{8}-20261122T010000Z\.zip$/);
  });
});
